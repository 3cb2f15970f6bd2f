"""Likes, reposts, edits, blocks and account deletion across two Parley servers on 127.0.0.1,
driven with Mastodon.py: each made on one server and seen on the other (counts,
notifications, home timelines, relationships), and each undone. A peer served by the test
(signing with the fixed test key) sends what Parley never sends: an Announce of a
followers-only post (refused), and its actor's own Delete (Parley does not delete accounts)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.federation.models import RemoteActor
from parley.posts.models import Post
from support.clients import Clients, SchemaLog, eventually
from support.database import ServerDatabase
from support.federation import arrived, federating, find_remote, followed, handle
from support.peer import Peer, send, serving_peer
from support.server import LiveServer

WAIT = 20  # seconds a federated change may take to arrive (jobs on both servers)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, LiveServer]]:
    with federating(tmp_path_factory, "inter", 2) as (a, b):
        yield a, b
        for live in (a, b):  # refusals are answers, never failures of a server
            assert "Traceback" not in live.log_tail(5000), live.log_tail(200)


@pytest.fixture(scope="module")
def sides(servers: tuple[LiveServer, LiveServer], schema_log: SchemaLog
          ) -> tuple[Clients, Clients]:
    return Clients(servers[0], schema_log), Clients(servers[1], schema_log)


def test_likes_count_on_the_origin(servers: tuple[LiveServer, LiveServer],
                                   sides: tuple[Clients, Clients]) -> None:
    a, b = servers
    alice, bob = sides[0].new_user("alice"), sides[1].new_user("bob")
    followed(bob, alice, a)
    post = alice.api.status_post("Like me, maybe.")
    copy = arrived(bob, post["uri"])

    bob.api.status_favourite(copy["id"])
    assert eventually(lambda: alice.api.status(post["id"])["favourites_count"] == 1,
                      timeout=WAIT)
    likes = alice.api.notifications(types=["favourite"])
    assert [n["account"]["acct"] for n in likes] == [handle(bob, b)]
    assert likes[0]["status"]["id"] == post["id"]
    assert [x["acct"] for x in alice.api.status_favourited_by(post["id"])] == [handle(bob, b)]

    bob.api.status_unfavourite(copy["id"])
    assert eventually(lambda: alice.api.status(post["id"])["favourites_count"] == 0,
                      timeout=WAIT)
    assert eventually(lambda: not alice.api.notifications(types=["favourite"]), timeout=WAIT)
    # Liked again after the Undo: a new Like (its own id), counted again.
    bob.api.status_favourite(copy["id"])
    assert eventually(lambda: alice.api.status(post["id"])["favourites_count"] == 1,
                      timeout=WAIT)


def test_reposts_reach_followers_and_count(servers: tuple[LiveServer, LiveServer],
                                           sides: tuple[Clients, Clients]) -> None:
    a, b = servers
    carol, eve = sides[0].new_user("carol"), sides[0].new_user("eve")
    dan, fay = sides[1].new_user("dan"), sides[1].new_user("fay")
    followed(dan, carol, a)
    remote_dan = followed(eve, dan, b)

    # A local post reposted elsewhere: counted and notified on its server, and shown to
    # the reposter's followers there.
    post = carol.api.status_post("Worth sharing.")
    copy = arrived(dan, post["uri"])
    dan.api.status_reblog(copy["id"])
    assert eventually(lambda: carol.api.status(post["id"])["reblogs_count"] == 1,
                      timeout=WAIT)
    reblogs = carol.api.notifications(types=["reblog"])
    assert [n["account"]["acct"] for n in reblogs] == [handle(dan, b)]
    shared = eventually(lambda: [s for s in eve.api.timeline_home()
                                 if s["reblog"] and s["reblog"]["id"] == post["id"]],
                        timeout=WAIT)
    assert shared and shared[0]["account"]["id"] == remote_dan["id"]

    # A post this server never saw, reposted by someone followed here: fetched first.
    unseen = fay.api.status_post("Nobody on the other server follows me.")
    dan.api.status_reblog(unseen["id"])
    fetched = eventually(lambda: [s for s in eve.api.timeline_home()
                                  if s["reblog"] and s["reblog"]["uri"] == unseen["uri"]],
                         timeout=WAIT)
    assert fetched, "the repost of an unknown post did not arrive"
    assert fetched[0]["reblog"]["account"]["acct"] == handle(fay, b)

    # Undo: the repost goes, the count falls.
    dan.api.status_unreblog(copy["id"])
    assert eventually(lambda: carol.api.status(post["id"])["reblogs_count"] == 0,
                      timeout=WAIT)
    assert eventually(lambda: not [s for s in eve.api.timeline_home()
                                   if s["reblog"] and s["reblog"]["id"] == post["id"]],
                      timeout=WAIT)


def test_followers_only_posts_are_not_reposted(servers: tuple[LiveServer, LiveServer],
                                               sides: tuple[Clients, Clients]) -> None:
    a, _ = servers
    gus, hana = sides[0].new_user("gus"), sides[1].new_user("hana")
    followed(hana, gus, a)
    post = gus.api.status_post("between us", visibility="private")
    copy = arrived(hana, post["uri"])
    with pytest.raises(MastodonAPIError):
        hana.api.status_reblog(copy["id"])
    assert gus.api.status(post["id"])["reblogs_count"] == 0


def test_edits_arrive_with_their_history(servers: tuple[LiveServer, LiveServer],
                                         sides: tuple[Clients, Clients]) -> None:
    a, b = servers
    gil, hal, ida = sides[0].new_user("gil"), sides[1].new_user("hal"), sides[1].new_user("ida")
    followed(hal, gil, a)
    post = gil.api.status_post("First thoughts.", language="en")
    copy = arrived(hal, post["uri"])
    find_remote(gil, handle(ida, b))  # gil's server knows ida: the edit can mention her
    gil.api.status_update(post["id"], f"Second thoughts, @{handle(ida, b)} #rethink",
                          spoiler_text="musings")
    edited = eventually(lambda: (lambda s: s if s["edited_at"] else None)(
        hal.api.status(copy["id"])), timeout=WAIT)
    assert edited, "the edit did not arrive"
    assert "Second thoughts" in edited["content"]
    assert edited["spoiler_text"] == "musings" and edited["sensitive"]
    assert edited["language"] == "en"
    assert [m["acct"] for m in edited["mentions"]] == [ida.username]
    assert [t["name"] for t in edited["tags"]] == ["rethink"]
    history = hal.api.status_history(copy["id"])
    assert ["First thoughts." in v["content"] for v in history] == [True, False]
    # The newly mentioned local account hears of it, as after a local edit.
    assert eventually(lambda: ida.api.notifications(types=["mention"]), timeout=WAIT)
    gil.api.status_update(post["id"], "Third thoughts.")
    assert eventually(lambda: len(hal.api.status_history(copy["id"])) == 3, timeout=WAIT)
    latest = hal.api.status(copy["id"])
    assert "Third thoughts." in latest["content"] and latest["spoiler_text"] == "musings"
    assert [m["acct"] for m in latest["mentions"]] == [ida.username]  # mentions stay


def test_blocks_end_follows_both_ways(servers: tuple[LiveServer, LiveServer],
                                      sides: tuple[Clients, Clients]) -> None:
    a, b = servers
    ivy, jon = sides[0].new_user("ivy"), sides[1].new_user("jon")
    remote_ivy = followed(jon, ivy, a)
    remote_jon = followed(ivy, jon, b)
    before = ivy.api.status_post("said before the block")
    arrived(jon, before["uri"])
    ivy.api.account_block(remote_jon["id"])

    def relationship() -> dict[str, Any]:
        return dict(jon.api.account_relationships(remote_ivy["id"])[0])

    assert eventually(lambda: relationship()["blocked_by"], timeout=WAIT)
    assert not relationship()["following"] and not relationship()["followed_by"]
    assert jon.api.account(jon.id)["followers_count"] == 0
    assert jon.api.account(jon.id)["following_count"] == 0
    assert ivy.api.account(ivy.id)["followers_count"] == 0
    # Hidden from each other: what ivy said is no longer in jon's home.
    assert not [s for s in jon.api.timeline_home() if s["uri"] == before["uri"]]

    ivy.api.account_unblock(remote_jon["id"])
    assert eventually(lambda: not relationship()["blocked_by"], timeout=WAIT)
    assert not relationship()["following"]  # follows do not come back


@pytest.fixture(scope="module")
def peer() -> Iterator[Peer]:
    with serving_peer() as served:
        yield served


def test_a_peer_likes_and_reposts_then_its_actor_is_deleted(
        servers: tuple[LiveServer, LiveServer], sides: tuple[Clients, Clients],
        peer: Peer) -> None:
    a, _ = servers
    inbox = f"{a.base_url}/inbox"
    kim = sides[0].new_user("kim")
    kim_uri = f"{a.base_url}/users/{kim.username}"
    note = f"{peer.base}/notes/{uuid.uuid4()}"
    public = ["https://www.w3.org/ns/activitystreams#Public"]
    send(peer, inbox, {"type": "Create", "to": public, "cc": [kim_uri], "object": {
        "id": note, "type": "Note", "attributedTo": peer.actor, "to": public, "cc": [kim_uri],
        "content": "<p>hello kim</p>", "published": "2026-12-01T10:00:00Z",
        "tag": [{"type": "Mention", "href": kim_uri, "name": f"@{kim.username}"}]}})
    mentions = eventually(lambda: kim.api.notifications(types=["mention"]), timeout=WAIT)
    assert mentions, "zed's post did not arrive"
    post_id, zed_id = mentions[0]["status"]["id"], mentions[0]["account"]["id"]

    # zed likes and reposts kim's public post; a followers-only one may not be reposted.
    shared = kim.api.status_post("share this")
    private = kim.api.status_post("not this", visibility="private")
    addressed = {"to": public, "cc": [f"{peer.actor}/followers", kim_uri]}
    send(peer, inbox, {"type": "Announce", **addressed, "object": private["uri"]})
    send(peer, inbox, {"type": "Announce", **addressed, "object": shared["uri"]})
    send(peer, inbox, {"type": "Like", "object": shared["uri"]})
    assert eventually(lambda: (lambda s: s["reblogs_count"] == 1 and s["favourites_count"] == 1)(
        kim.api.status(shared["id"])), timeout=WAIT)
    assert eventually(lambda: kim.api.notifications(types=["reblog"]), timeout=WAIT)
    assert kim.api.status(private["id"])["reblogs_count"] == 0

    # zed edits its post (Mastodon's shape: the whole Note, with `updated`).
    def update(content: str, minute: int) -> None:
        send(peer, inbox, {"type": "Update", "to": public, "cc": [kim_uri], "object": {
            "id": note, "type": "Note", "attributedTo": peer.actor, "to": public,
            "cc": [kim_uri], "content": content, "summary": "greetings",
            "published": "2026-12-01T10:00:00Z", "updated": f"2026-12-01T10:{minute:02}:00Z",
            "tag": [{"type": "Mention", "href": kim_uri, "name": f"@{kim.username}"}]}})

    update("<p>hello again kim</p>", 5)
    edited = eventually(lambda: (lambda s: s if s["edited_at"] else None)(
        kim.api.status(post_id)), timeout=WAIT)
    assert edited and "hello again" in edited["content"]
    assert edited["spoiler_text"] == "greetings"
    assert edited["edited_at"] == datetime(2026, 12, 1, 10, 5, tzinfo=UTC)
    update("<p>hello again kim</p>", 6)  # nothing shown changed (a poll's counts, say)
    update("<p>hello once more</p>", 7)
    assert eventually(lambda: "once more" in kim.api.status(post_id)["content"], timeout=WAIT)
    assert len(kim.api.status_history(post_id)) == 3  # first, 10:05, 10:07
    kim.api.account_follow(zed_id)  # zed never answers: a request, pending
    assert kim.api.account_relationships(zed_id)[0]["requested"]

    send(peer, inbox, {"type": "Delete", "to": public, "object": peer.actor})

    def gone() -> bool:
        try:
            kim.api.status(post_id)
        except MastodonNotFoundError:
            return True
        return False

    assert eventually(gone, timeout=WAIT)
    assert eventually(lambda: not kim.api.notifications(types=["mention"]), timeout=WAIT)
    # Its account shows nothing more (suspended: its posts hidden), and its rows go.
    assert not kim.api.account_statuses(zed_id)
    assert eventually(lambda: not kim.api.account_relationships(zed_id)[0]["requested"],
                      timeout=WAIT)
    # Its repost and like of kim's post went with it.
    assert eventually(lambda: (lambda s: s["reblogs_count"] == 0 and s["favourites_count"] == 0)(
        kim.api.status(shared["id"])), timeout=WAIT)
    database = ServerDatabase(a.database_url)
    try:
        assert eventually(lambda: database.read(_left_of(int(zed_id))) == (0, True),
                          timeout=WAIT)
        # What it sends afterwards (a replay, a lagging server) is dropped.
        send(peer, inbox, {"type": "Create", "to": public, "cc": [kim_uri], "object": {
            "id": f"{peer.base}/notes/{uuid.uuid4()}", "type": "Note",
            "attributedTo": peer.actor, "to": public, "cc": [kim_uri],
            "content": "<p>still here?</p>",
            "tag": [{"type": "Mention", "href": kim_uri, "name": f"@{kim.username}"}]}})
        database.wait_for_jobs()
        assert database.read(_left_of(int(zed_id))) == (0, True)
    finally:
        database.close()


def _left_of(account_id: int) -> Callable[[AsyncSession], Awaitable[tuple[int, bool]]]:
    """How many posts the account still has, and whether deliveries to it have stopped."""

    async def read(session: AsyncSession) -> tuple[int, bool]:
        posts = await session.scalar(select(func.count()).select_from(Post).where(
            Post.account_id == account_id))
        gone = await session.scalar(select(RemoteActor.gone_at).where(
            RemoteActor.account_id == account_id))
        return int(posts or 0), gone is not None

    return read
