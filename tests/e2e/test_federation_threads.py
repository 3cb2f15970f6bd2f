"""Whole conversations across three Parley servers on 127.0.0.1: the `replies` and
FEP-7888 `context` collections a server serves for its posts (nothing private listed), a
reader elsewhere who opens a thread (GET /context: the Mastodon-Async-Refresh header, the
refresh job fetching the rest, GET /api/v1_alpha/async_refreshes/:id), a walk of `replies`
collections where no context is named, and a reply whose parent was never delivered."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import requests
from sqlalchemy import update

from e2e.test_admin import make_staff
from parley.federation.thread_refreshes import ThreadRefresh
from parley.lib.timefmt import utcnow
from support.clients import Clients, SchemaLog, TestUser, eventually
from support.database import ServerDatabase
from support.federation import federating
from support.server import LiveServer, run_server

FEDERATING = {"PARLEY_FEDERATION_INSECURE_PEERS": "1"}
AS_JSON = "application/activity+json"
Servers = tuple[LiveServer, LiveServer, LiveServer]
Sides = tuple[Clients, Clients, Clients]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    with federating(tmp_path_factory, "thread", 3) as (a, b, c):
        yield a, b, c


@pytest.fixture(scope="module")
def sides(servers: Servers, schema_log: SchemaLog) -> Sides:
    return (Clients(servers[0], schema_log), Clients(servers[1], schema_log),
            Clients(servers[2], schema_log))


def handle(user: TestUser, server: LiveServer) -> str:
    return f"{user.username}@{urlsplit(server.base_url).netloc}"


def follow_across(follower: TestUser, target: TestUser, target_server: LiveServer) -> str:
    """Follow a remote account (accepted); its id on the follower's server."""
    found = follower.api.search_v2(handle(target, target_server), resolve=True,
                                   result_type="accounts")["accounts"]
    assert found
    remote_id = str(found[0]["id"])
    follower.api.account_follow(remote_id)
    assert eventually(lambda: follower.api.account_relationships(remote_id)[0]["following"],
                      timeout=20)
    return remote_id


def arrived(reader: TestUser, uri: str) -> dict[str, Any]:
    """A post as the reader's server knows it (after delivery), by its URI."""
    found = eventually(lambda: [s for s in reader.api.timeline_home() if s["uri"] == uri],
                       timeout=20)
    assert found, f"{uri} did not arrive"
    return dict(found[0])


def arrived_from(reader: TestUser, remote_id: str, uri: str) -> dict[str, Any]:
    """A post of a followed remote account (a reply, which home may not show), by URI."""
    found = eventually(lambda: [s for s in reader.api.account_statuses(remote_id)
                                if s["uri"] == uri], timeout=20)
    assert found, f"{uri} did not arrive"
    return dict(found[0])


def reply(author: TestUser, parent: dict[str, Any], text: str, **kwargs: Any
          ) -> dict[str, Any]:
    return dict(author.api.status_post(text, in_reply_to_id=parent["id"], **kwargs))


def fetch(url: str, **params: str) -> dict[str, Any]:
    answer = httpx.get(url, params=params, headers={"accept": AS_JSON}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith(AS_JSON)
    document: dict[str, Any] = answer.json()
    return document


def listed(collection_url: str) -> list[str]:
    """Every id a collection lists, page after page (its count is read apart from the
    pages: a post arriving meanwhile may be in one and not the other)."""
    collection = fetch(collection_url)
    assert collection["type"] == "OrderedCollection"
    page: dict[str, Any] | None = collection["first"]
    items: list[str] = []
    while page is not None:
        items += page["orderedItems"]
        page = fetch(page["next"]) if "next" in page else None
    return items


def signed_in_get(reader: TestUser, url: str) -> requests.Response:
    """A GET as the reader's client makes it (its answer checked against the schema), for
    what Mastodon.py does not show: headers, the v1_alpha API."""
    return reader.api.session.get(
        url, headers={"authorization": f"Bearer {reader.api.access_token}"}, timeout=10)


def context_with_refresh(reader: TestUser, server: LiveServer, status_id: str
                         ) -> tuple[dict[str, Any], str | None]:
    """GET /context as a signed-in client does: the thread and the refresh's header."""
    answer = signed_in_get(reader, f"{server.base_url}/api/v1/statuses/{status_id}/context")
    assert answer.status_code == 200
    return answer.json(), answer.headers.get("mastodon-async-refresh")


def refresh_state(reader: TestUser, server: LiveServer, refresh_id: str) -> requests.Response:
    return signed_in_get(reader, f"{server.base_url}/api/v1_alpha/async_refreshes/{refresh_id}")


def finished(reader: TestUser, server: LiveServer, refresh_id: str) -> dict[str, Any]:
    """The refresh once it has finished (polled as a client does)."""
    def probe() -> dict[str, Any] | None:
        answer = refresh_state(reader, server, refresh_id)
        assert answer.status_code == 200
        state: dict[str, Any] = answer.json()["async_refresh"]
        assert state["status"] in ("running", "finished")
        return state if state["status"] == "finished" else None

    state = eventually(probe, timeout=30)
    assert state, "the refresh did not finish"
    return state


def backdate_refreshes(server: LiveServer) -> None:
    """Make the server's thread refreshes ten minutes old (as if time had passed)."""
    database = ServerDatabase(server.database_url)
    try:
        database.write(lambda session: session.execute(update(ThreadRefresh).values(
            requested_at=utcnow() - timedelta(minutes=10))))
    finally:
        database.close()


def header_fields(value: str) -> dict[str, str]:
    fields = dict(part.strip().split("=", 1) for part in value.split(","))
    return {name: raw.strip('"') for name, raw in fields.items()}


def test_a_thread_is_whole_for_a_reader_elsewhere(servers: Servers, sides: Sides) -> None:
    a, _b, c = servers
    alice, amy, dave = (sides[0].new_user(name) for name in ("alice", "amy", "dave"))
    bob, carol = sides[1].new_user("bob"), sides[2].new_user("carol")
    follow_across(bob, alice, a)
    follow_across(carol, alice, a)  # carol follows the root's author, nobody else
    root = alice.api.status_post("Where shall we meet?")
    on_b = arrived(bob, root["uri"])
    from_b = reply(bob, on_b, f"@{handle(alice, a)} at the station")
    from_amy = reply(amy, root, "the library?")
    followers_only = reply(amy, root, "my followers know", visibility="private")
    direct = reply(amy, root, f"@{alice.username} only you", visibility="direct")
    on_a = eventually(lambda: [s for s in alice.api.status_context(root["id"])["descendants"]
                               if s["uri"] == from_b["uri"]], timeout=20)
    assert on_a, "bob's reply did not reach A"
    from_b_on_a = on_a[0]
    deeper = reply(dave, from_b_on_a, "which station?")

    # A lists the public replies and the whole public conversation, nothing private.
    note = fetch(root["uri"])
    assert note["replies"] == f"{root['uri']}/replies"
    assert note["context"] == f"{root['uri']}/context"
    assert fetch(deeper["uri"])["context"] == note["context"]
    assert sorted(listed(note["replies"])) == sorted([from_b["uri"], from_amy["uri"]])
    assert sorted(listed(note["context"])) == sorted(
        [root["uri"], from_b["uri"], from_amy["uri"], deeper["uri"]])
    assert fetch(note["replies"])["totalItems"] == 2
    assert fetch(note["context"])["totalItems"] == 4
    # Pages by cursor (the ids of A's posts), each naming its collection.
    first, second = sorted([from_b_on_a, from_amy], key=lambda s: int(s["id"]))
    page = fetch(note["replies"], page="true", after=first["id"])
    assert page["type"] == "OrderedCollectionPage"
    assert page["partOf"] == note["replies"]
    assert page["orderedItems"] == [second["uri"]]
    assert "next" not in page
    assert httpx.get(note["replies"], params={"page": "true", "after": "x"},
                     headers={"accept": AS_JSON}, timeout=10).status_code == 404
    for private in (followers_only, direct):
        for url in (f"{private['uri']}/replies", f"{private['uri']}/context"):
            assert httpx.get(url, headers={"accept": AS_JSON}, timeout=10).status_code == 404

    # carol's server had only the root; opening the thread starts its refresh.
    on_c = arrived(carol, root["uri"])
    context, header = context_with_refresh(carol, c, on_c["id"])
    assert context["descendants"] == []
    assert header is not None
    fields = header_fields(header)
    assert int(fields["retry"]) > 0
    assert int(fields["result_count"]) >= 0
    state = finished(carol, c, fields["id"])
    assert state["id"] == fields["id"]
    assert state["result_count"] == 3
    descendants = carol.api.status_context(on_c["id"])["descendants"]
    assert sorted(s["uri"] for s in descendants) == sorted(
        [from_b["uri"], from_amy["uri"], deeper["uri"]])
    assert {s["uri"] for s in descendants}.isdisjoint({followers_only["uri"], direct["uri"]})
    # Refreshed lately: no second refresh now, and an unknown refresh is not found.
    assert context_with_refresh(carol, c, on_c["id"])[1] is None
    assert refresh_state(carol, c, "no-such-refresh").status_code == 404
    # Later (the last refresh made older), a new reply is fetched by a new refresh.
    later = reply(amy, root, "or the park")
    backdate_refreshes(c)
    _, again = context_with_refresh(carol, c, on_c["id"])
    assert again is not None
    assert header_fields(again)["id"] != fields["id"]
    assert finished(carol, c, header_fields(again)["id"])["result_count"] == 1
    assert later["uri"] in [s["uri"] for s in carol.api.status_context(on_c["id"])[
        "descendants"]]


def test_replies_are_walked_without_a_context(servers: Servers, sides: Sides) -> None:
    """A thread begun on C: B's reply names no context (its thread is not B's), so C walks
    B's replies collections to find a reply from A that was never delivered to C."""
    _a, b, c = servers
    cleo, bea, abe = sides[2].new_user("cleo"), sides[1].new_user("bea"), sides[0].new_user("abe")
    follow_across(bea, cleo, c)
    bea_on_a = follow_across(abe, bea, b)
    root = cleo.api.status_post("Thoughts on trains?")
    on_b = arrived(bea, root["uri"])
    answer = reply(bea, on_b, f"@{handle(cleo, c)} love them")
    answer_on_a = arrived_from(abe, bea_on_a, answer["uri"])
    late = reply(abe, answer_on_a, f"@{handle(bea, b)} me too")
    assert "context" not in fetch(answer["uri"])
    assert eventually(lambda: late["uri"] in listed(f"{answer['uri']}/replies"), timeout=20)

    answer_on_c = eventually(lambda: cleo.api.status_context(root["id"])["descendants"],
                             timeout=20)
    assert [s["uri"] for s in answer_on_c] == [answer["uri"]]
    _, header = context_with_refresh(cleo, c, answer_on_c[0]["id"])
    assert header is not None
    found = eventually(lambda: [s for s in cleo.api.status_context(root["id"])["descendants"]
                                if s["uri"] == late["uri"]], timeout=30)
    assert found, "the reply from A was not fetched"


def test_a_missing_middle_post_is_fetched(servers: Servers, sides: Sides) -> None:
    """C follows only the author of the last reply: the post it answers (on B) and the
    thread's root (on A) were never delivered to C, and are fetched with it."""
    a, b, _c = servers
    ada, fred = sides[0].new_user("ada"), sides[0].new_user("fred")
    ben, cid = sides[1].new_user("ben"), sides[2].new_user("cid")
    follow_across(ben, ada, a)
    ben_on_a = follow_across(fred, ben, b)
    fred_on_c = follow_across(cid, fred, a)
    root = ada.api.status_post("The middle one matters.")
    middle = reply(ben, arrived(ben, root["uri"]), f"@{handle(ada, a)} it does")
    last = reply(fred, arrived_from(fred, ben_on_a, middle["uri"]), f"@{handle(ben, b)} agreed")
    on_c = arrived_from(cid, fred_on_c, last["uri"])
    context = cid.api.status_context(on_c["id"])
    assert [s["uri"] for s in context["ancestors"]] == [root["uri"], middle["uri"]]


def test_a_suspended_server_is_not_fetched_from(servers: Servers, sides: Sides,
                                                 schema_log: SchemaLog, tmp_path: Path) -> None:
    """C suspends B (after every test that needs B: B is C's to ignore from now on):
    refreshing a thread on A brings A's replies and none from B."""
    a, b, c = servers
    ann, al, bo, cy = (sides[0].new_user("ann"), sides[0].new_user("al"),
                       sides[1].new_user("bo"), sides[2].new_user("cy"))
    follow_across(bo, ann, a)
    follow_across(cy, ann, a)
    root = ann.api.status_post("Who is in?")
    reply(bo, arrived(bo, root["uri"]), f"@{handle(ann, a)} me")
    from_a = reply(al, root, "me too")
    assert eventually(lambda: len(ann.api.status_context(root["id"])["descendants"]) == 2,
                      timeout=20)
    admin = make_staff(c, tmp_path, schema_log, "admin")
    admin.admin_create_domain_block(urlsplit(b.base_url).netloc, severity="suspend")
    on_c = arrived(cy, root["uri"])
    _, header = context_with_refresh(cy, c, on_c["id"])
    assert header is not None
    assert finished(cy, c, header_fields(header)["id"])["result_count"] == 1
    found = cy.api.status_context(on_c["id"])["descendants"]
    assert [s["uri"] for s in found] == [from_a["uri"]]  # from_b's server is not asked


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server in authorized-fetch mode: it answers signed requests only."""
    with run_server(tmp_path_factory.mktemp("thread-d"),
                    extra_env={**FEDERATING, "PARLEY_AUTHORIZED_FETCH": "1"}) as d:
        yield d


def test_authorized_fetch_guards_the_collections(servers: Servers, sides: Sides,
                                                 guarded: LiveServer,
                                                 schema_log: SchemaLog) -> None:
    """Unsigned, the collections are refused; C's refresh, signed, reads them."""
    c = servers[2]
    d_side = Clients(guarded, schema_log)
    dee, dot, cora = d_side.new_user("dee"), d_side.new_user("dot"), sides[2].new_user("cora")
    follow_across(cora, dee, guarded)
    root = dee.api.status_post("Signed only.")
    answer = reply(dot, root, "indeed")
    for url in (root["uri"], f"{root['uri']}/replies", f"{root['uri']}/context"):
        unsigned = httpx.get(url, headers={"accept": AS_JSON}, timeout=10)
        assert unsigned.status_code == 401, url
    on_c = arrived(cora, root["uri"])
    _, header = context_with_refresh(cora, c, on_c["id"])
    assert header is not None
    assert finished(cora, c, header_fields(header)["id"])["result_count"] == 1
    found = cora.api.status_context(on_c["id"])["descendants"]
    assert [s["uri"] for s in found] == [answer["uri"]]
