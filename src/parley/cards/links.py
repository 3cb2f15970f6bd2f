"""Which link of a post gets a card: the first one that leads off this server.

A local post's links are read from its text, as Mastodon does: mentions and hashtags are not
links there, and neither is the `quote-inline` fallback that content adds for a quote."""

from __future__ import annotations

from urllib.parse import urlsplit

from parley.lib.text import parse

MAX_URL = 2048  # preview_cards.url: longer links get no card


def _site(url: str) -> tuple[str, int] | None:
    """(host, port) of an http(s) URL; None for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is not a number, a broken IPv6 address
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname.lower(), port or (443 if parts.scheme == "https" else 80)


def first_link(text: str, base_url: str) -> str | None:
    """The first http(s) link of `text` not on this server (base_url's host and port)."""
    if "://" not in text:  # most posts: no parse at all
        return None
    own = _site(base_url)
    for url in parse(text).urls:
        site = _site(url)
        if site is not None and site != own and len(url) <= MAX_URL:
            return url
    return None


def may_have_link(text: str) -> bool:
    """Cheap test for the write path: could `text` have a link worth a card?"""
    return "http://" in text or "https://" in text
