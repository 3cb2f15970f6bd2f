"""The activities between accounts Parley sends: Follow, and the Accept, Reject and Undo
that answer or take back one (their ids derived from what they are about, so that the
same decision sent twice is the same activity)."""

from __future__ import annotations

import hashlib
from typing import Any

from parley.federation.vocab import CONTEXT


def follow(follow_uri: str, actor_uri: str, target_uri: str) -> dict[str, Any]:
    return {"@context": CONTEXT, "id": follow_uri, "type": "Follow", "actor": actor_uri,
            "object": target_uri}


def _follow_object(follow_uri: str, follower_uri: str, target_uri: str) -> dict[str, Any]:
    return {"id": follow_uri, "type": "Follow", "actor": follower_uri, "object": target_uri}


def accept_follow(follow_uri: str, follower_uri: str, target_uri: str) -> dict[str, Any]:
    """The target's Accept of a Follow (embedding it: some servers read only that)."""
    return {"@context": CONTEXT, "id": f"{target_uri}#accepts/follows/{id_tail(follow_uri)}",
            "type": "Accept", "actor": target_uri,
            "object": _follow_object(follow_uri, follower_uri, target_uri)}


def reject_follow(follow_uri: str, follower_uri: str, target_uri: str) -> dict[str, Any]:
    return {"@context": CONTEXT, "id": f"{target_uri}#rejects/follows/{id_tail(follow_uri)}",
            "type": "Reject", "actor": target_uri,
            "object": _follow_object(follow_uri, follower_uri, target_uri)}


def undo_follow(follow_uri: str, follower_uri: str, target_uri: str) -> dict[str, Any]:
    return {"@context": CONTEXT, "id": f"{follow_uri}/undo", "type": "Undo",
            "actor": follower_uri,
            "object": _follow_object(follow_uri, follower_uri, target_uri)}


def id_tail(uri: str) -> str:
    """A short stable part of a remote id, for ids derived from it."""
    return hashlib.sha256(uri.encode()).hexdigest()[:16]
