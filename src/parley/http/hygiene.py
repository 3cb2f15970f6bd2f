"""Request hygiene, before any routing: what no route may receive, and how paths are
normalised."""

from __future__ import annotations

NUL_MESSAGE = "NUL characters are not allowed"


def has_nul(path: str, query: bytes) -> bool:
    """NUL characters in the path or query string (raw or %-encoded): no database stores
    them, so they are refused before they reach one."""
    return "\x00" in path or b"%00" in query or b"\x00" in query


def normal_path(path: str) -> str:
    """Without a trailing slash: clients such as Mastodon.py add one (/api/v1/instance/)."""
    if len(path) > 1 and path[-1] == "/":
        return path.rstrip("/") or "/"
    return path
