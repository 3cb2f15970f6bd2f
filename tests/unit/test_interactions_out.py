"""The shapes of the Like, Announce, Block and Undo Parley sends, as Mastodon reads them: an
Undo embeds what it takes back (Mastodon finds the like, repost or block from the embedded
activity's actor and object, not from its id); an Announce is addressed as a reblog."""

from __future__ import annotations

from datetime import UTC, datetime

from parley.federation.interactions_out import announce, block, like, undo
from parley.federation.vocab import PUBLIC
from parley.posts.models import Post

ACTOR = "https://a.example/users/alice"
AUTHOR = "https://b.example/users/bob"


def test_an_undo_embeds_the_activity_it_takes_back() -> None:
    liked = like(f"{ACTOR}#likes/1", ACTOR, "https://b.example/notes/1")
    undone = undo(liked)
    assert undone["type"] == "Undo" and undone["actor"] == ACTOR
    assert undone["id"] == f"{ACTOR}#likes/1/undo"
    assert undone["object"] == {"id": f"{ACTOR}#likes/1", "type": "Like", "actor": ACTOR,
                                "object": "https://b.example/notes/1"}
    assert "@context" in undone and "@context" not in undone["object"]
    blocked = undo(block(f"{ACTOR}#blocks/2", ACTOR, AUTHOR))
    assert blocked["object"]["type"] == "Block" and blocked["object"]["object"] == AUTHOR


def test_an_announce_is_addressed_as_a_reblog() -> None:
    original = Post(uri="https://b.example/notes/1", visibility="public")
    at = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    public = announce(Post(uri=f"{ACTOR}/statuses/9/activity", visibility="public",
                           created_at=at), ACTOR, original, AUTHOR)
    assert public["type"] == "Announce" and public["object"] == original.uri
    assert public["id"] == f"{ACTOR}/statuses/9/activity"
    assert public["to"] == [PUBLIC] and public["cc"] == [f"{ACTOR}/followers", AUTHOR]
    unlisted = announce(Post(uri=f"{ACTOR}/statuses/10/activity", visibility="unlisted",
                             created_at=at), ACTOR, original, AUTHOR)
    assert unlisted["to"] == [f"{ACTOR}/followers"] and unlisted["cc"] == [PUBLIC, AUTHOR]
    # The Undo of an Announce carries its addressing, so it reaches whoever saw it.
    assert undo(public)["to"] == [PUBLIC]
