"""OAuth scopes: parsing, validation and whether a granted set covers a required scope."""

from __future__ import annotations

from collections.abc import Collection

from parley.errors import Invalid

TOP_LEVEL = ("read", "write", "follow", "push", "profile")
GRANULAR = {
    "read": ("accounts", "blocks", "bookmarks", "favourites", "filters", "follows", "lists",
             "mutes", "notifications", "search", "statuses"),
    "write": ("accounts", "blocks", "bookmarks", "conversations", "favourites", "filters",
              "follows", "lists", "media", "mutes", "notifications", "reports", "statuses"),
    "admin:read": ("accounts", "reports", "domain_allows", "domain_blocks", "ip_blocks",
                   "email_domain_blocks", "canonical_email_blocks"),
    "admin:write": ("accounts", "reports", "domain_allows", "domain_blocks", "ip_blocks",
                    "email_domain_blocks", "canonical_email_blocks"),
}
ALL_SCOPES = frozenset(
    {*TOP_LEVEL, "admin:read", "admin:write"}
    | {f"{parent}:{child}" for parent, children in GRANULAR.items() for child in children}
)
# The legacy `follow` scope grants these granular scopes.
FOLLOW_GRANTS = frozenset({"read:blocks", "write:blocks", "read:follows", "write:follows",
                           "read:mutes", "write:mutes"})


def parse_scopes(raw: str | None, *, default: str = "read") -> list[str]:
    """Split a space- or plus-separated scope string, rejecting unknown scopes."""
    text = (raw or default).replace("+", " ")
    scopes = list(dict.fromkeys(part for part in text.split() if part))
    unknown = [scope for scope in scopes if scope not in ALL_SCOPES]
    if unknown:
        raise Invalid(f"Unknown scope: {', '.join(unknown)}")
    return scopes or [default]


def covers(granted: Collection[str], required: str) -> bool:
    """True when a token with `granted` scopes may use an endpoint needing `required`."""
    if required in granted:
        return True
    parent = required.rsplit(":", 1)[0] if required.count(":") >= 1 else None
    if parent and parent in granted and required != parent:
        return True
    if required in FOLLOW_GRANTS and "follow" in granted:
        return True
    # Only verify_credentials accepts the `profile` scope; any read scope covers it.
    return required == "profile" and ("read" in granted or "read:accounts" in granted)


def subset(requested: list[str], allowed: list[str]) -> bool:
    """Every requested scope is covered by what the app registered."""
    return all(covers(allowed, scope) for scope in requested)
