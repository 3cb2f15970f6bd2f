"""Two Parley servers on 127.0.0.1 (two ports: two domains) federating through ActivityPub,
driven with Mastodon.py: discovery, follows (a locked account's too), posts and replies
across servers, deletions and unfollows propagated."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from support.clients import Clients, SchemaLog, eventually
from support.federation import AS_JSON, federating, find_remote, follow_across, handle
from support.server import LiveServer


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, LiveServer]]:
    with federating(tmp_path_factory, "fed", 2) as (a, b):
        yield a, b


@pytest.fixture(scope="module")
def sides(servers: tuple[LiveServer, LiveServer], schema_log: SchemaLog
          ) -> tuple[Clients, Clients]:
    return Clients(servers[0], schema_log), Clients(servers[1], schema_log)


def test_discovery(servers: tuple[LiveServer, LiveServer], sides: tuple[Clients, Clients]
                   ) -> None:
    a, _ = servers
    alice = sides[0].new_user("alice")
    with httpx.Client(base_url=a.base_url, timeout=10) as http:
        jrd = http.get("/.well-known/webfinger",
                       params={"resource": f"acct:{handle(alice, a)}"}).json()
        self_link = next(link for link in jrd["links"] if link["rel"] == "self")
        assert self_link["type"] == AS_JSON
        actor = http.get(self_link["href"], headers={"accept": AS_JSON})
        assert actor.headers["content-type"].startswith(AS_JSON)
        document = actor.json()
        assert document["id"] == self_link["href"]
        assert document["preferredUsername"] == alice.username
        assert "BEGIN PUBLIC KEY" in document["publicKey"]["publicKeyPem"]
        assert document["publicKey"]["owner"] == document["id"]
        assert document["endpoints"]["sharedInbox"] == f"{a.base_url}/inbox"
        # The profile page, asked for as a document, is the actor; a browser gets HTML.
        negotiated = http.get(f"/@{alice.username}", headers={"accept": AS_JSON})
        assert negotiated.json()["id"] == document["id"]
        page = http.get(f"/@{alice.username}", headers={"accept": "text/html"})
        assert page.headers["content-type"].startswith("text/html")
        browser = http.get(f"/users/{alice.username}", headers={"accept": "text/html"})
        assert browser.status_code == 302
        assert http.get("/actor", headers={"accept": AS_JSON}).json()["type"] == "Application"


def test_an_unsigned_delivery_is_refused(servers: tuple[LiveServer, LiveServer]) -> None:
    with httpx.Client(base_url=servers[0].base_url, timeout=10) as http:
        answer = http.post("/inbox", content=b'{"type": "Create"}',
                           headers={"content-type": AS_JSON})
        assert answer.status_code == 401
        assert http.post("/inbox", content=b"[not json",
                         headers={"content-type": AS_JSON}).status_code == 400
        # The inboxes are the edge's fast routes: the same answers as any route's.
        assert http.post("/users/nobody-here/inbox", content=b"{}",
                         headers={"content-type": AS_JSON}).status_code == 404
        assert http.post("/actor/inbox", content=b'{"type": "Create"}',
                         headers={"content-type": AS_JSON}).status_code == 401
        assert http.get("/inbox").status_code == 405


def test_follow_post_and_reply_across_servers(servers: tuple[LiveServer, LiveServer],
                                             sides: tuple[Clients, Clients]) -> None:
    a, b = servers
    alice, bob = sides[0].new_user("alice"), sides[1].new_user("bob")
    remote_alice = follow_across(bob, alice, a)
    assert eventually(lambda: bob.api.account_relationships(remote_alice["id"])[0]["following"],
                      timeout=20)
    assert eventually(lambda: alice.api.account(alice.id)["followers_count"] == 1)
    followers = alice.api.account_followers(alice.id)
    assert [f["acct"] for f in followers] == [handle(bob, b)]

    post = alice.api.status_post("Frustrated.")
    arrived = eventually(lambda: [s for s in bob.api.timeline_home()
                                  if "Frustrated." in s["content"]], timeout=20)
    assert arrived, "alice's post did not reach bob's home"
    copy = arrived[0]
    assert copy["account"]["acct"] == handle(alice, a)
    assert copy["uri"] == post["uri"]

    bob.api.status_post(f"@{handle(alice, a)} what happened?", in_reply_to_id=copy["id"])
    mention = eventually(lambda: list(alice.api.notifications(types=["mention"])),
                         timeout=20)
    assert mention, "bob's reply did not reach alice"
    assert mention[0]["account"]["acct"] == handle(bob, b)
    context = alice.api.status_context(post["id"])
    assert [s["account"]["acct"] for s in context["descendants"]] == [handle(bob, b)]


def test_delete_and_unfollow_propagate(servers: tuple[LiveServer, LiveServer],
                                       sides: tuple[Clients, Clients]) -> None:
    a, _ = servers
    carol, dan = sides[0].new_user("carol"), sides[1].new_user("dan")
    remote = follow_across(dan, carol, a)
    assert eventually(lambda: dan.api.account_relationships(remote["id"])[0]["following"],
                      timeout=20)
    post = carol.api.status_post("soon gone")
    assert eventually(lambda: [s for s in dan.api.timeline_home()
                               if s["uri"] == post["uri"]], timeout=20)
    carol.api.status_delete(post["id"])
    assert eventually(lambda: not [s for s in dan.api.timeline_home()
                                   if s["uri"] == post["uri"]], timeout=20)
    dan.api.account_unfollow(remote["id"])
    assert eventually(lambda: carol.api.account(carol.id)["followers_count"] == 0, timeout=20)


def test_a_locked_account_decides(servers: tuple[LiveServer, LiveServer],
                                  sides: tuple[Clients, Clients]) -> None:
    a, b = servers
    erin, fay = sides[0].new_user("erin"), sides[1].new_user("fay")
    erin.api.account_update_credentials(locked=True)
    remote = follow_across(fay, erin, a)
    requests = eventually(lambda: erin.api.follow_requests(), timeout=20)
    assert [r["acct"] for r in requests] == [handle(fay, b)]
    assert not fay.api.account_relationships(remote["id"])[0]["following"]
    erin.api.follow_request_authorize(requests[0]["id"])
    assert eventually(lambda: fay.api.account_relationships(remote["id"])[0]["following"],
                      timeout=20)


def test_followers_only_and_direct_posts(servers: tuple[LiveServer, LiveServer],
                                         sides: tuple[Clients, Clients]) -> None:
    a, b = servers
    gil, hal, ivy = sides[0].new_user("gil"), sides[1].new_user("hal"), sides[1].new_user("ivy")
    remote = follow_across(hal, gil, a)
    assert eventually(lambda: hal.api.account_relationships(remote["id"])[0]["following"],
                      timeout=20)
    find_remote(ivy, handle(gil, a))  # ivy knows gil, but does not follow
    gil.api.status_post("for my followers", visibility="private")
    dm = gil.api.status_post(f"@{handle(ivy, b)} just you", visibility="direct")
    assert eventually(lambda: [s for s in hal.api.timeline_home()
                               if "for my followers" in s["content"]], timeout=20)
    assert eventually(lambda: ivy.api.conversations(), timeout=20)
    # hal follows gil but was not addressed: the DM is not his to see.
    assert not [s for s in hal.api.timeline_home() if s["uri"] == dm["uri"]]
    assert not list(hal.api.conversations())
    assert not [s for s in ivy.api.timeline_home() if "for my followers" in s["content"]]
