"""Content negotiation for the URLs people share: a profile page (`/@name`) or a post's page
(`/@name/123`) asked for as an ActivityStreams document is served as the actor or the Note,
as other servers expect when someone pastes such a link into a search."""

from __future__ import annotations

import re

from starlette.types import Scope

_PAGE = re.compile(r"^/@([A-Za-z0-9_.-]+)(?:/(\d{1,20}))?$")
_DOCUMENT_TYPES = ("application/activity+json", "application/ld+json")


def _accept(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"accept":
            return str(value.decode("latin-1")).lower()
    return ""


def negotiated(scope: Scope) -> Scope:
    """The scope, its path rewritten to the ActivityPub id's path when a local profile or
    post page is asked for as a document."""
    path: str = scope["path"]
    if not path.startswith("/@") or scope["method"] not in ("GET", "HEAD"):
        return scope
    match = _PAGE.match(path)
    if match is None or not any(kind in _accept(scope) for kind in _DOCUMENT_TYPES):
        return scope
    name, post_id = match.groups()
    target = f"/users/{name}" + (f"/statuses/{post_id}" if post_id else "")
    return {**scope, "path": target, "raw_path": target.encode()}
