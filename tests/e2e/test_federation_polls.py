"""Polls across two Parley servers on 127.0.0.1, driven with Mastodon.py: a poll posted on one
server is seen with its options on the other, voted in there and counted on its own server,
whose Update (moved to now: it waits a minute for more votes) brings the new counts back;
its close reaches the other server, whose voter is notified; a multiple-choice ballot counts
each choice. A peer served by the test (signing with the fixed test key) sends what Parley
never sends: votes that must not count, and a poll without an end that its Update closes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession

from parley.polls.models import Poll
from support.clients import Clients, SchemaLog, TestUser, eventually
from support.database import ServerDatabase
from support.federation import arrived, federating, followed
from support.peer import Peer, send, serving_peer
from support.server import LiveServer

WAIT = 20  # seconds a federated change may take to arrive (jobs on both servers)
HOUR = 3600
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, LiveServer]]:
    with federating(tmp_path_factory, "polls", 2) as (a, b):
        yield a, b
        for live in (a, b):  # refused votes are answers, never failures of a server
            assert "Traceback" not in live.log_tail(5000), live.log_tail(200)


@pytest.fixture(scope="module")
def sides(servers: tuple[LiveServer, LiveServer], schema_log: SchemaLog
          ) -> tuple[Clients, Clients]:
    return Clients(servers[0], schema_log), Clients(servers[1], schema_log)


@pytest.fixture(scope="module")
def databases(servers: tuple[LiveServer, LiveServer]
              ) -> Iterator[tuple[ServerDatabase, ServerDatabase]]:
    found = ServerDatabase(servers[0].database_url), ServerDatabase(servers[1].database_url)
    yield found
    for database in found:
        database.close()


@pytest.fixture(scope="module")
def peer() -> Iterator[Peer]:
    with serving_peer() as served:
        yield served


def _ask(user: TestUser, *options: str, multiple: bool = False,
         visibility: str = "public") -> dict[str, Any]:
    poll = user.api.make_poll(list(options), expires_in=HOUR, multiple=multiple)
    return dict(user.api.status_post("Which one?", poll=poll, visibility=visibility))


def _updates_now(database: ServerDatabase) -> None:
    """Time travel: the polls' Updates waiting for more votes go now."""
    async def work(session: AsyncSession) -> None:
        await session.execute(text(
            "UPDATE jobs SET run_at = :now WHERE kind = 'federation.poll_update' "
            "AND state = 'queued'"), {"now": datetime.now(UTC)})

    database.write(work)


def _end_now(database: ServerDatabase, poll_id: str) -> None:
    """Time travel: the poll's end, and its closing job, are now."""
    async def work(session: AsyncSession) -> None:
        now = datetime.now(UTC) - timedelta(seconds=1)
        await session.execute(update(Poll).where(Poll.id == int(poll_id))
                              .values(expires_at=now))
        await session.execute(text(
            "UPDATE jobs SET run_at = :now WHERE kind = 'close_poll' "
            "AND CAST(payload AS TEXT) LIKE :match"), {"now": now, "match": f"%{poll_id}%"})

    database.write(work)


def _counts(poll: dict[str, Any]) -> list[int]:
    return [option["votes_count"] for option in poll["options"]]


def _told(user: TestUser) -> list[Any]:
    return [n for n in user.api.notifications() if n["type"] == "poll"]


def test_a_poll_is_voted_in_across_servers_and_closes_on_both(
        servers: tuple[LiveServer, LiveServer], sides: tuple[Clients, Clients],
        databases: tuple[ServerDatabase, ServerDatabase]) -> None:
    a, _ = servers
    alice, carol, bob = sides[0].new_user("alice"), sides[0].new_user("carol"), \
        sides[1].new_user("bob")
    followed(bob, alice, a)
    post = _ask(alice, "tea", "coffee", "water")
    poll_id = post["poll"]["id"]
    copy = arrived(bob, post["uri"])
    seen = copy["poll"]
    assert seen is not None and seen["id"] != poll_id
    assert [o["title"] for o in seen["options"]] == ["tea", "coffee", "water"]
    assert (seen["multiple"], seen["expired"], seen["voted"]) == (False, False, False)
    assert abs((seen["expires_at"] - post["poll"]["expires_at"]).total_seconds()) < 1

    voted = bob.api.poll_vote(seen["id"], [1])  # counted at once here, sent to alice
    assert voted["own_votes"] == [1] and _counts(voted) == [0, 1, 0]
    assert eventually(lambda: _counts(alice.api.poll(poll_id)) == [0, 1, 0], timeout=WAIT)
    origin = alice.api.poll(poll_id)
    assert origin["voters_count"] == 1
    # The vote was never a post: no reply under the poll.
    assert alice.api.status(post["id"])["replies_count"] == 0
    assert not alice.api.status_context(post["id"])["descendants"]

    carol.api.poll_vote(poll_id, [0])  # a local vote: bob's server learns it by the Update
    _updates_now(databases[0])
    assert eventually(lambda: _counts(bob.api.poll(seen["id"])) == [1, 1, 0], timeout=WAIT)
    kept = bob.api.poll(seen["id"])
    assert kept["voters_count"] == 2 and kept["own_votes"] == [1] and not kept["expired"]

    _end_now(databases[0], poll_id)
    assert eventually(lambda: bob.api.poll(seen["id"])["expired"], timeout=WAIT)
    for user, status_id in ((bob, copy["id"]), (alice, post["id"]), (carol, post["id"])):
        notices = eventually(lambda user=user: _told(user), timeout=WAIT)
        assert [n["status"]["id"] for n in notices] == [status_id]
        assert notices[0]["status"]["poll"]["expired"] is True


def test_a_multiple_choice_ballot_counts_each_choice_on_the_origin(
        servers: tuple[LiveServer, LiveServer], sides: tuple[Clients, Clients],
        databases: tuple[ServerDatabase, ServerDatabase]) -> None:
    _, b = servers
    dan, fay, erin = sides[1].new_user("dan"), sides[1].new_user("fay"), \
        sides[0].new_user("erin")
    followed(erin, dan, b)
    post = _ask(dan, "red", "green", "blue", multiple=True)
    copy = arrived(erin, post["uri"])
    assert copy["poll"]["multiple"] is True
    erin.api.poll_vote(copy["poll"]["id"], [0, 2])  # sent as one Create per choice
    assert eventually(lambda: (lambda p: _counts(p) == [1, 0, 1] and p["voters_count"] == 1)(
        dan.api.poll(post["poll"]["id"])), timeout=WAIT)
    fay.api.poll_vote(post["poll"]["id"], [1, 2])
    _updates_now(databases[1])
    mine = eventually(lambda: (lambda p: p if p["voters_count"] == 2 else None)(
        erin.api.poll(copy["poll"]["id"])), timeout=WAIT)
    assert mine and _counts(mine) == [1, 1, 2] and mine["own_votes"] == [0, 2]


def _vote(peer: Peer, inbox: str, post: dict[str, Any], author: str, option: str) -> None:
    send(peer, inbox, {"type": "Create", "to": [author], "object": {
        "id": f"{peer.actor}#votes/{uuid.uuid4()}", "type": "Note", "name": option,
        "attributedTo": peer.actor, "inReplyTo": post["uri"], "to": [author]}})


def test_votes_that_cannot_count_are_dropped_quietly(
        servers: tuple[LiveServer, LiveServer], sides: tuple[Clients, Clients],
        databases: tuple[ServerDatabase, ServerDatabase], peer: Peer) -> None:
    a, _ = servers
    inbox = f"{a.base_url}/inbox"
    kim = sides[0].new_user("kim")
    kim_uri = f"{a.base_url}/users/{kim.username}"
    post = _ask(kim, "yes", "no")
    hidden = _ask(kim, "up", "down", visibility="private")  # zed does not follow kim
    _vote(peer, inbox, post, kim_uri, "maybe")  # no such option
    _vote(peer, inbox, hidden, kim_uri, "up")  # a post zed may not see
    _vote(peer, inbox, post, kim_uri, "yes")
    assert eventually(lambda: _counts(kim.api.poll(post["poll"]["id"])) == [1, 0],
                      timeout=WAIT)
    _vote(peer, inbox, post, kim_uri, "no")  # a second choice in a single-choice poll
    late = _ask(kim, "now", "never")
    _end_now(databases[0], late["poll"]["id"])
    _vote(peer, inbox, late, kim_uri, "now")  # after its end
    databases[0].wait_for_jobs()
    counted = kim.api.poll(post["poll"]["id"])
    assert _counts(counted) == [1, 0] and counted["voters_count"] == 1
    assert _counts(kim.api.poll(hidden["poll"]["id"])) == [0, 0]
    assert _counts(kim.api.poll(late["poll"]["id"])) == [0, 0]
    assert not kim.api.status_context(post["id"])["descendants"]
    assert not [n for n in kim.api.notifications() if n["type"] == "mention"]


def test_a_peers_poll_without_an_end_is_kept_open_until_its_update_closes_it(
        servers: tuple[LiveServer, LiveServer], sides: tuple[Clients, Clients],
        peer: Peer) -> None:
    a, _ = servers
    inbox = f"{a.base_url}/inbox"
    lea = sides[0].new_user("lea")
    lea_uri = f"{a.base_url}/users/{lea.username}"
    note = f"{peer.base}/notes/{uuid.uuid4()}"

    def question(counts: tuple[int, int], **extra: Any) -> dict[str, Any]:
        return {"id": note, "type": "Question", "attributedTo": peer.actor, "to": [PUBLIC],
                "cc": [lea_uri], "content": f"<p>Which, @{lea.username}?</p>",
                "published": "2026-12-01T10:00:00Z",
                "tag": [{"type": "Mention", "href": lea_uri, "name": f"@{lea.username}"}],
                "oneOf": [{"type": "Note", "name": name, "_misskey_votes": votes}
                          for name, votes in zip(("left", "right"), counts, strict=True)],
                **extra}

    send(peer, inbox, {"type": "Create", "to": [PUBLIC], "cc": [lea_uri],
                "object": question((2, 1))})
    mentions = eventually(lambda: [n for n in lea.api.notifications()
                                   if n["type"] == "mention"], timeout=WAIT)
    assert mentions, "the peer's poll did not arrive"
    status_id = mentions[0]["status"]["id"]
    poll = lea.api.status(status_id)["poll"]
    assert poll["expires_at"] is None and not poll["expired"]
    assert _counts(poll) == [2, 1] and poll["voters_count"] == 3  # untold: the votes
    lea.api.poll_vote(poll["id"], [1])
    assert _counts(lea.api.poll(poll["id"])) == [2, 2]

    send(peer, inbox, {"type": "Update", "to": [PUBLIC], "cc": [lea_uri], "object": question(
        (4, 3), closed="2026-12-01T11:00:00Z", votersCount=7)})
    closed = eventually(lambda: (lambda p: p if p["expired"] else None)(
        lea.api.poll(poll["id"])), timeout=WAIT)
    assert closed and _counts(closed) == [4, 3] and closed["voters_count"] == 7
    assert closed["own_votes"] == [1]  # the same options: the vote stands
    notices = eventually(lambda: _told(lea), timeout=WAIT)
    assert [n["status"]["id"] for n in notices] == [status_id]
