"""Polls through Mastodon.py: created with a post (form and JSON), voted in once, refused with
Mastodon's texts, hidden with their post, closed by a job at their time (the author and the
voters are notified), replaced on an edit, carried by scheduled posts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession

from e2e.test_read_model import CountingReader
from parley.polls.models import Poll
from parley.posts.rows import load_page
from parley.store.rawwrite import SessionSql
from support.clients import Clients, TestUser, eventually
from support.database import ServerDatabase
from support.server import LiveServer

HOUR = 3600


@pytest.fixture
def server_db(server: LiveServer) -> Iterator[ServerDatabase]:
    database = ServerDatabase(server.database_url)
    yield database
    database.loop.run_until_complete(database.db.dispose())
    database.loop.close()


def _end_now(server_db: ServerDatabase, poll_id: str) -> None:
    """Time travel: the poll's end, and its closing job, are now (the server's worker
    polls); the API's limits stay as they are."""
    async def work(session: AsyncSession) -> None:
        now = datetime.now(UTC) - timedelta(seconds=1)
        await session.execute(update(Poll).where(Poll.id == int(poll_id))
                              .values(expires_at=now))
        await session.execute(text(
            "UPDATE jobs SET run_at = :now WHERE kind = 'close_poll' "
            "AND CAST(payload AS TEXT) LIKE :match"), {"now": now, "match": f"%{poll_id}%"})

    server_db.write(work)


def _ask(user: TestUser, *options: str, multiple: bool = False, hide_totals: bool = False,
         visibility: str = "public", expires_in: int = HOUR) -> dict[str, Any]:
    poll = user.api.make_poll(list(options), expires_in=expires_in, multiple=multiple,
                              hide_totals=hide_totals)
    return dict(user.api.status_post("Which one?", poll=poll, visibility=visibility))


def _post_json(clients: Clients, user: TestUser, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{clients.server.base_url}/api/v1/statuses", json=body,
                      headers={"authorization": f"Bearer {user.api.access_token}"})


def test_a_poll_is_created_voted_in_and_counted(clients: Clients) -> None:
    author, voter, other = (clients.new_user("asker"), clients.new_user("voter"),
                            clients.new_user("other"))
    status = _ask(author, "tea", "coffee", "water")
    poll = status["poll"]
    assert [o["title"] for o in poll["options"]] == ["tea", "coffee", "water"]
    assert poll["multiple"] is False and poll["expired"] is False
    assert poll["votes_count"] == 0 and poll["voters_count"] == 0
    assert poll["voted"] is True and poll["own_votes"] == []  # its author, as in Mastodon
    expires = poll["expires_at"]
    assert HOUR - 60 < (expires - datetime.now(UTC)).total_seconds() <= HOUR

    fresh = voter.api.poll(poll["id"])
    assert fresh["voted"] is False and fresh["own_votes"] == []
    voted = voter.api.poll_vote(poll["id"], [1])
    assert voted["voted"] is True and voted["own_votes"] == [1]
    assert [o["votes_count"] for o in voted["options"]] == [0, 1, 0]
    assert voted["votes_count"] == 1 and voted["voters_count"] == 1
    other.api.poll_vote(poll["id"], 1)
    seen = author.api.status(status["id"])["poll"]
    assert [o["votes_count"] for o in seen["options"]] == [0, 2, 0]
    assert seen["voters_count"] == 2
    # The same poll on a timeline page: the read model's one load of polls.
    listed = voter.api.account_statuses(author.id)
    assert listed[0]["poll"]["own_votes"] == [1]
    anonymous = httpx.get(f"{clients.server.base_url}/api/v1/polls/{poll['id']}").json()
    assert "voted" not in anonymous and anonymous["votes_count"] == 2


def test_multiple_choice_counts_votes_and_voters(clients: Clients) -> None:
    author, voter, other = (clients.new_user("multi"), clients.new_user("picker"),
                            clients.new_user("chooser"))
    poll = _ask(author, "red", "green", "blue", "black", multiple=True)["poll"]
    assert poll["multiple"] is True
    voter.api.poll_vote(poll["id"], [0, 2])
    counted = other.api.poll_vote(poll["id"], [2])
    assert [o["votes_count"] for o in counted["options"]] == [1, 0, 2, 0]
    assert counted["votes_count"] == 3 and counted["voters_count"] == 2
    assert voter.api.poll(poll["id"])["own_votes"] == [0, 2]


def test_bad_ballots_are_refused_with_mastodons_texts(clients: Clients) -> None:
    author, voter = clients.new_user("strict"), clients.new_user("sloppy")
    poll = _ask(author, "yes", "no")["poll"]
    with pytest.raises(MastodonAPIError, match="You cannot vote in your own polls"):
        author.api.poll_vote(poll["id"], [0])
    with pytest.raises(MastodonAPIError, match="The chosen vote option does not exist"):
        voter.api.poll_vote(poll["id"], [2])
    with pytest.raises(MastodonAPIError, match="You have already voted on this poll"):
        voter.api.poll_vote(poll["id"], [0, 1])  # several choices, single-choice poll
    assert voter.api.poll(poll["id"])["voted"] is False  # nothing was stored
    voter.api.poll_vote(poll["id"], [0])
    with pytest.raises(MastodonAPIError, match="You have already voted on this poll"):
        voter.api.poll_vote(poll["id"], [1])
    response = httpx.post(f"{clients.server.base_url}/api/v1/polls/{poll['id']}/votes",
                          json={"choices": []},
                          headers={"authorization": f"Bearer {voter.api.access_token}"})
    assert response.status_code == 400 and "choices" in response.json()["error"]
    with pytest.raises(MastodonNotFoundError):
        voter.api.poll("12345")
    assert author.api.poll(poll["id"])["votes_count"] == 1


@pytest.mark.parametrize(("poll", "message"), [
    ({"options": ["only"], "expires_in": HOUR}, "Poll options must have more than one item"),
    ({"options": ["a", "b", "c", "d", "e"], "expires_in": HOUR},
     "Poll options can't contain more than 4 items"),
    ({"options": ["a", "x" * 51], "expires_in": HOUR},
     "Poll options cannot be longer than 50 characters each"),
    ({"options": ["same", "same"], "expires_in": HOUR}, "Poll options contain duplicate items"),
    ({"options": ["a", "b"], "expires_in": 299}, "Poll expires at is too soon"),
    ({"options": ["a", "b"], "expires_in": 2_629_747},
     "Poll expires at is too far into the future"),
    ({"options": ["a", "b"]}, "Poll expires in can't be blank"),
    ({"options": ["a", "b"], "expires_in": "soon"}, "Poll expires in can't be blank"),
    ({"options": [], "expires_in": 0},
     "Poll options must have more than one item, Poll expires at is too soon"),
])
def test_bad_polls_are_refused_and_nothing_is_posted(clients: Clients, poll: dict[str, Any],
                                                     message: str) -> None:
    author = clients.new_user("careless")
    response = _post_json(clients, author, {"status": "Vote!", "poll": poll})
    assert response.status_code == 422
    assert response.json()["error"] == f"Validation failed: {message}"
    assert author.api.account_statuses(author.id) == []


def test_limits_are_advertised_and_json_bodies_work(clients: Clients) -> None:
    author = clients.new_user("jsonista")
    polls = author.api.instance_v2()["configuration"]["polls"]
    assert polls["max_options"] == 4 and polls["max_characters_per_option"] == 50
    assert polls["min_expiration"] == 300 and polls["max_expiration"] == 2_629_746
    response = _post_json(clients, author, {"status": "JSON poll", "poll": {
        "options": ["a", "b"], "expires_in": "600", "multiple": "true", "hide_totals": True}})
    assert response.status_code == 200
    assert response.json()["poll"]["multiple"] is True
    form = httpx.post(f"{clients.server.base_url}/api/v1/statuses", data={
        "status": "Form poll", "poll[options][]": ["x", "y"], "poll[expires_in]": "300",
        "poll[hide_totals]": "1"},
        headers={"authorization": f"Bearer {author.api.access_token}"})
    assert form.status_code == 200
    assert [o["title"] for o in form.json()["poll"]["options"]] == ["x", "y"]
    assert form.json()["poll"]["options"][0]["votes_count"] is None  # totals hidden


def test_totals_stay_hidden_until_the_end(clients: Clients, server_db: ServerDatabase
                                         ) -> None:
    author, voter = clients.new_user("secretive"), clients.new_user("curious")
    poll = _ask(author, "up", "down", hide_totals=True)["poll"]
    voted = voter.api.poll_vote(poll["id"], [0])
    assert [o["votes_count"] for o in voted["options"]] == [None, None]
    assert voted["votes_count"] == 1
    _end_now(server_db, poll["id"])
    ended = voter.api.poll(poll["id"])
    assert ended["expired"] is True
    assert [o["votes_count"] for o in ended["options"]] == [1, 0]


def test_a_poll_is_as_private_as_its_post(clients: Clients) -> None:
    author, follower, stranger = (clients.new_user("private"), clients.new_user("follower"),
                                  clients.new_user("stranger"))
    follower.api.account_follow(author.id)
    poll = _ask(author, "in", "out", visibility="private")["poll"]
    with pytest.raises(MastodonNotFoundError):
        stranger.api.poll(poll["id"])
    with pytest.raises(MastodonNotFoundError):
        stranger.api.poll_vote(poll["id"], [0])
    assert follower.api.poll_vote(poll["id"], [0])["votes_count"] == 1
    author.api.account_block(follower.id)
    with pytest.raises(MastodonNotFoundError):
        follower.api.poll(poll["id"])


def test_an_ended_poll_notifies_its_author_and_voters(clients: Clients,
                                                      server_db: ServerDatabase) -> None:
    author, voter, bystander = (clients.new_user("closer"), clients.new_user("elector"),
                                clients.new_user("bystander"))
    status = _ask(author, "left", "right")
    poll = status["poll"]
    voter.api.poll_vote(poll["id"], [1])
    _end_now(server_db, poll["id"])
    with pytest.raises(MastodonAPIError, match="The poll has already ended"):
        bystander.api.poll_vote(poll["id"], [0])

    def told(user: TestUser) -> list[Any]:
        return [n for n in user.api.notifications() if n["type"] == "poll"]

    for user in (author, voter):
        [notice] = eventually(lambda user=user: told(user), timeout=15)
        assert notice["status"]["id"] == status["id"]
        assert notice["account"]["id"] == author.account["id"]
        assert notice["status"]["poll"]["expired"] is True
    assert told(bystander) == []
    grouped = author.api.grouped_notifications(types=["poll"])
    assert [g["type"] for g in grouped["notification_groups"]] == ["poll"]


def test_an_edit_replaces_the_poll_and_new_options_void_the_votes(clients: Clients) -> None:
    author, voter = clients.new_user("editor"), clients.new_user("swayed")
    status = _ask(author, "one", "two")
    voter.api.poll_vote(status["poll"]["id"], [0])
    same = author.api.status_update(status["id"], "Which one, really?", poll=author.api.make_poll(
        ["one", "two"], expires_in=2 * HOUR))
    assert same["poll"]["id"] == status["poll"]["id"] and same["poll"]["votes_count"] == 1
    changed = author.api.status_update(status["id"], "Or rather?", poll=author.api.make_poll(
        ["one", "three"], expires_in=HOUR))
    assert [o["title"] for o in changed["poll"]["options"]] == ["one", "three"]
    assert changed["poll"]["votes_count"] == 0
    assert voter.api.poll(changed["poll"]["id"])["voted"] is False
    gone = author.api.status_update(status["id"], "No poll after all")
    assert gone["poll"] is None
    with pytest.raises(MastodonNotFoundError):
        voter.api.poll(changed["poll"]["id"])


def test_a_scheduled_post_carries_its_poll(clients: Clients) -> None:
    author = clients.new_user("planner")
    when = datetime.now(UTC) + timedelta(hours=1)
    scheduled = author.api.status_post("Later question", scheduled_at=when,
                                       poll=author.api.make_poll(["a", "b"], expires_in=HOUR))
    params = scheduled["params"]["poll"]
    assert params["options"] == ["a", "b"] and params["expires_in"] == HOUR
    with pytest.raises(MastodonAPIError, match="Poll options must have more than one item"):
        author.api.status_post("Bad later question", scheduled_at=when,
                               poll=author.api.make_poll(["a"], expires_in=HOUR))


def test_polls_cost_a_page_one_statement_and_other_pages_none(
        clients: Clients, server_db: ServerDatabase) -> None:
    author, viewer = clients.new_user("pollster"), clients.new_user("reader")
    plain = [int(author.api.status_post(f"plain {i}")["id"]) for i in range(3)]
    asked = [int(_ask(author, f"a{i}", f"b{i}")["id"]) for i in range(3)]
    viewer.api.poll_vote(viewer.api.status(asked[0])["poll"]["id"], [1])

    def statements(ids: list[int]) -> int:
        async def load(session: AsyncSession) -> int:
            reader = CountingReader(SessionSql(session))
            page = await load_page(reader, int(viewer.id), ids=ids)
            assert len(page.posts) == len(ids)
            return reader.statements

        return server_db.read(load)

    assert statements(asked) == statements(plain) + 1
    assert statements(plain + asked) == statements(plain) + 1
