"""Request hygiene, before any routing: what no route may receive, and how paths are
normalised."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.types import Message, Receive, Scope

from parley.errors import Invalid, TooLarge

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


# Bodies of every route but uploads: the largest honest one (a status of 500 characters with
# its poll, a profile's fields, a filter's keywords) is a few KB; a long one read whole and
# parsed costs memory and time a request should not get for free.
MAX_BODY = 1_000_000
# Routes that take files enforce their own, larger, caps while streaming the upload.
UPLOAD_PATHS = ("/api/v1/media", "/api/v2/media", "/api/v1/accounts/update_credentials",
                "/settings/profile", "/compose")
# How deep a parameter may nest (`a[b][c]`, JSON objects in objects): Mastodon's deepest is
# three (`data[alerts][mention]`, `fields_attributes[0][name]`).
MAX_DEPTH = 8
DEPTH_MESSAGE = "Validation failed: parameters nest too deeply"


def body_limit(path: str) -> int | None:
    """The cap on the request body for `path` at the edge; None where the route caps it."""
    return None if path.startswith(UPLOAD_PATHS) else MAX_BODY


def _declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


def capped(scope: Scope, receive: Receive, limit: int) -> Receive:
    """`receive` that refuses (TooLarge: 413) a body declared or growing past `limit`, when
    the route reads it: the refusal then leaves through the route's own error rendering
    (JSON for the API, a page for the web)."""
    declared = _declared_length(scope)
    received = 0

    async def receive_capped() -> Message:
        nonlocal received
        if declared > limit:
            raise TooLarge()
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise TooLarge()
        return message

    return receive_capped


def check_depth(value: Any, limit: int = MAX_DEPTH) -> None:
    """Invalid when `value` (parsed JSON or nested parameters) nests deeper than `limit`;
    iterative, so no depth can exhaust the interpreter's stack."""
    level: Iterable[Any] = [value]
    for _ in range(limit + 1):
        children = [child for node in level for child in _children(node)]
        if not children:
            return
        level = children
    raise Invalid(DEPTH_MESSAGE)


def _children(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return list(node.values())
    if isinstance(node, list):
        return node
    return []
