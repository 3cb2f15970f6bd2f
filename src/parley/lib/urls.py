"""Which URLs a user may hand the server to show or send people to: web pages (http/https with
a host) and app redirect URIs (absolute, no fragment, never a scheme that runs code)."""

from __future__ import annotations

from urllib.parse import urlsplit

# Schemes a browser runs or reads locally instead of navigating to: never a place to send
# someone (an approved app's redirect) or a link to show (an app's website).
FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "vbscript", "file", "blob", "about"})


def _clean(value: str) -> bool:
    # Browsers drop tabs and newlines inside a scheme ("java\tscript:"): refuse any control
    # character or space rather than guess how each one reads it.
    return bool(value) and all(ord(c) > 32 and c != "\x7f" for c in value)


def web_url(value: str | None) -> str | None:
    """`value` if it is an http(s) URL with a host, else None."""
    if not value or not _clean(value):
        return None
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return value


def redirect_uri_problem(value: str) -> str | None:
    """Why `value` cannot be an OAuth redirect URI (RFC 6749 3.1.2), or None if it can:
    native apps register their own schemes (com.example.app:/oauth), so any scheme but those
    that run code, with a host for http(s), and no fragment."""
    if not _clean(value):
        return "must be an absolute URI"
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if not scheme or scheme in FORBIDDEN_SCHEMES:
        return "must be an absolute URI"
    if scheme in ("http", "https") and not parts.hostname:
        return "must be an absolute URI"
    if parts.fragment or value.endswith("#"):
        return "cannot contain a fragment"
    return None
