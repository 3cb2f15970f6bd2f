"""Quotes across Parley servers (FEP-044f), driven with Mastodon.py: bob on B quotes
alice's posts on A; B asks with a QuoteRequest and A's quote policy answers it, at once
(Accept with a stamp A serves), never (Reject) or once alice approves by hand; alice
revokes, and B's quote no longer shows her post. carol on C, who follows bob, shows his quote
once the stamp it names checks out on A. Schema-checked; SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
from mastodon import MastodonNotFoundError

from support.clients import Clients, SchemaLog, TestUser, eventually
from support.federation import AS_JSON, federating, follow_across
from support.server import LiveServer

WAIT = 20  # seconds a federated change may take to arrive (jobs on both servers)


Servers = tuple[LiveServer, LiveServer, LiveServer]
Sides = tuple[Clients, Clients, Clients]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    with federating(tmp_path_factory, "quotes", 3) as (a, b, c):
        yield a, b, c
        for live in (a, b, c):  # refusals are answers, never failures of a server
            assert "Traceback" not in live.log_tail(5000), live.log_tail(200)


@pytest.fixture(scope="module")
def sides(servers: Servers, schema_log: SchemaLog) -> Sides:
    a, b, c = servers
    return Clients(a, schema_log), Clients(b, schema_log), Clients(c, schema_log)


def raw(clients: Clients, user: TestUser, method: str, path: str, **kwargs: Any
        ) -> requests.Response:
    """A request through the schema-checking session, for what Mastodon.py lacks."""
    session = clients.schema_log.session()
    session.headers["Authorization"] = f"Bearer {user.api.access_token}"
    return session.request(method, clients.server.base_url + path, timeout=30, **kwargs)


def resolved(viewer: TestUser, uri: str) -> dict[str, Any]:
    """The viewer's server's copy of a post on the other server, looked up by its URI."""
    found = viewer.api.search_v2(uri, resolve=True, result_type="statuses")["statuses"]
    assert found, f"{uri} was not found"
    return dict(found[0])


def quote_state(user: TestUser, status_id: str, state: str) -> dict[str, Any]:
    """The quote of a status once its state is `state` (answers travel by jobs)."""
    found = eventually(lambda: user.api.status(status_id)["quote"]["state"] == state,
                       timeout=WAIT)
    quote = user.api.status(status_id)["quote"]
    assert found, f"the quote stayed {quote['state']}, not {state}"
    return dict(quote)


def quote_notes(user: TestUser) -> list[Any]:
    return [n for n in user.api.notifications() if n["type"] == "quote"]


def document(url: str) -> httpx.Response:
    return httpx.get(url, headers={"accept": AS_JSON}, timeout=30)


def test_automatic_approval_is_accepted_on_every_server(servers: Servers, sides: Sides
                                                        ) -> None:
    alice, bob = sides[0].new_user("qalice"), sides[1].new_user("qbob")
    carol = sides[2].new_user("qcarol")  # on C, following bob: she sees his quote
    followed = follow_across(carol, bob, servers[1])
    assert eventually(lambda: carol.api.account_relationships(followed["id"])[0]["following"],
                      timeout=WAIT)
    post = alice.api.status_post("Quote me, anyone.")
    assert document(post["uri"]).json()["interactionPolicy"] == {
        "canQuote": {"automaticApproval": ["https://www.w3.org/ns/activitystreams#Public"]}}
    copy = resolved(bob, post["uri"])
    assert copy["quote_approval"]["current_user"] == "automatic"

    quote = bob.api.status_post("Look at this.", quoted_status_id=copy["id"])
    assert quote["quote"] == {"state": "pending", "quoted_status": None}
    shown = quote_state(bob, quote["id"], "accepted")
    assert shown["quoted_status"]["id"] == copy["id"]
    assert eventually(lambda: quote_notes(alice), timeout=WAIT)
    there = quote_notes(alice)[0]["status"]
    assert there["uri"] == quote["uri"]
    assert there["quote"]["state"] == "accepted"
    assert there["quote"]["quoted_status"]["id"] == post["id"]
    assert alice.api.status(post["id"])["quotes_count"] == 1
    # C checks the stamp A gave (B's Update names it) before it shows alice's post.
    seen = eventually(lambda: [s for s in carol.api.timeline_home() if s["uri"] == quote["uri"]],
                      timeout=WAIT)
    assert seen, "the quote did not reach C"
    assert quote_state(carol, seen[0]["id"], "accepted")["quoted_status"]["uri"] == post["uri"]

    # B's Note names the stamp A gave, which A serves (neither post embedded).
    note = document(quote["uri"]).json()
    assert note["quote"] == post["uri"]
    stamp = document(note["quoteAuthorization"]).json()
    author_uri = document(post["uri"]).json()["attributedTo"]
    assert (stamp["type"], stamp["attributedTo"], stamp["interactingObject"],
            stamp["interactionTarget"]) == ("QuoteAuthorization", author_uri, quote["uri"],
                                            post["uri"])


def test_nobody_refuses_and_shows_no_quoted_post(sides: Sides) -> None:
    alice, bob = sides[0].new_user("qnalice"), sides[1].new_user("qnbob")
    closed = alice.api.status_post("Not to be quoted.", quote_approval_policy="nobody")
    closed_copy = resolved(bob, closed["uri"])
    assert closed_copy["quote_approval"]["current_user"] == "denied"
    with pytest.raises(MastodonNotFoundError):
        bob.api.status_post("quoting anyway", quoted_status_id=closed_copy["id"])

    # B's copy of the policy is out of date: B asks, and A refuses.
    post = alice.api.status_post("Quote me while you can.")
    copy = resolved(bob, post["uri"])
    alice.api.status_update_quote_approval_policy(post["id"], "nobody")
    quote = bob.api.status_post("Too late?", quoted_status_id=copy["id"])
    assert quote_state(bob, quote["id"], "rejected") == {"state": "rejected",
                                                         "quoted_status": None}
    assert "quoteAuthorization" not in document(quote["uri"]).json()
    assert alice.api.status(post["id"])["quotes_count"] == 0
    assert quote_notes(alice) == []


def test_manual_approval_waits_for_the_author(sides: Sides) -> None:
    alice, bob = sides[0].new_user("qmalice"), sides[1].new_user("qmbob")
    made = raw(sides[0], alice, "POST", "/api/v1/statuses",
               json={"status": "Ask me first.", "quote_approval_policy": "manual"})
    post = made.json()
    assert post["quote_approval"]["manual"] == ["public"]
    copy = resolved(bob, post["uri"])
    assert copy["quote_approval"]["current_user"] == "manual"

    quote = bob.api.status_post("May I?", quoted_status_id=copy["id"])
    assert eventually(lambda: quote_notes(alice), timeout=WAIT)
    waiting = quote_notes(alice)[0]["status"]
    assert waiting["quote"] == {"state": "pending", "quoted_status": None}
    assert bob.api.status(quote["id"])["quote"]["state"] == "pending"
    listed = raw(sides[0], alice, "GET", f"/api/v1/statuses/{post['id']}/quotes").json()
    assert [s["id"] for s in listed] == [waiting["id"]]

    approved = raw(sides[0], alice, "POST",
                   f"/api/v1/statuses/{post['id']}/quotes/{waiting['id']}/approve")
    assert approved.json()["quote"]["state"] == "accepted"
    assert quote_state(bob, quote["id"], "accepted")["quoted_status"]["id"] == copy["id"]
    assert alice.api.status(post["id"])["quotes_count"] == 1


def test_revoked_quote_shows_revoked_on_the_quoting_server(
        sides: Sides) -> None:
    alice, bob = sides[0].new_user("qralice"), sides[1].new_user("qrbob")
    post = alice.api.status_post("Quote me, then I change my mind.")
    copy = resolved(bob, post["uri"])
    quote = bob.api.status_post("Quoting.", quoted_status_id=copy["id"])
    quote_state(bob, quote["id"], "accepted")
    assert eventually(lambda: quote_notes(alice), timeout=WAIT)
    there = quote_notes(alice)[0]["status"]
    stamp = document(quote["uri"]).json()["quoteAuthorization"]

    alice.api.status_quote_revoke(post["id"], there["id"])
    assert quote_state(bob, quote["id"], "revoked") == {"state": "revoked",
                                                        "quoted_status": None}
    assert alice.api.status(post["id"])["quotes_count"] == 0
    assert document(stamp).status_code == 404
    assert "quoteAuthorization" not in document(quote["uri"]).json()
