"""Flag, Add and Remove, and Move across Parley servers on 127.0.0.1 (issue #15, item 3),
driven with Mastodon.py and the web settings as people would: a report forwarded to the
reported account's server lands in its moderators' queue (from that server, never naming
the reporter); a pin shows as pinned on a follower's server until it is unpinned; an account
moves to another server (the new account naming the old one first) and its followers on a
third server and on its own follow the new account. A peer served by the test sends what
Mastodon sends: an Add and a Remove without an id, a Flag (unheard once its server's reports
are refused), and a Move refused until the new account names the old one (then its
followers follow the new account, and blocks and mutes carry over)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from e2e.test_admin import make_staff
from support.clients import Clients, SchemaLog, TestUser, eventually
from support.federation import AS_JSON, arrived, federating, find_remote, followed, handle
from support.forms import form, forms, submit
from support.oauth_flow import browser
from support.peer import Peer, send, serving_peer
from support.server import LiveServer

WAIT = 30.0  # seconds any one arrival may take on a loaded machine (a bound, not a measure)
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
Trio = tuple[LiveServer, LiveServer, LiveServer]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trio]:
    with federating(tmp_path_factory, "acts", 3) as (a, b, c):
        yield a, b, c
        for live in (a, b, c):  # refusals are answers, never failures of a server
            assert "Traceback" not in live.log_tail(5000), live.log_tail(200)


@pytest.fixture(scope="module")
def sides(servers: Trio, schema_log: SchemaLog) -> tuple[Clients, Clients, Clients]:
    a, b, c = servers
    return Clients(a, schema_log), Clients(b, schema_log), Clients(c, schema_log)


@pytest.fixture(scope="module")
def peer() -> Iterator[Peer]:
    with serving_peer() as served:
        yield served


# -- helpers ---------------------------------------------------------------------------------

def following(viewer: TestUser, account_id: str) -> bool:
    return bool(viewer.api.account_relationships(account_id)[0]["following"])


@contextmanager
def signed_in(server: LiveServer, user: TestUser) -> Iterator[httpx.Client]:
    """A browser tab signed in to the web UI as `user`."""
    with browser(server) as tab:
        page = tab.get("/auth/sign_in")
        done = submit(tab, page.text, "/auth/sign_in", login=user.username,
                      password=user.password)
        assert done.status_code == 303, done.text
        yield tab


def confirm(tab: httpx.Client, html: str, action: str, **values: str) -> httpx.Response:
    """Submit the page's POST form to `action` (its look-up forms GET the same path)."""
    found = [f for f in forms(html) if f.action == action and f.method == "post"]
    assert found, f"no form posting to {action}:\n{html[:3000]}"
    return tab.post(action, data={**found[0].fields, **values})


def actor_document(server: LiveServer, username: str) -> dict[str, Any]:
    response = httpx.get(f"{server.base_url}/users/{username}", headers={"accept": AS_JSON},
                         timeout=20)
    assert response.status_code == 200, response.text
    document = response.json()
    assert isinstance(document, dict)
    return document


def uri_of(server: LiveServer, user: TestUser) -> str:
    return f"{server.base_url}/users/{user.username}"


# -- between Parley servers ------------------------------------------------------------------

def test_a_forwarded_report_reaches_the_other_servers_moderators(
        servers: Trio, sides: tuple[Clients, Clients, Clients], tmp_path: Path,
        schema_log: SchemaLog) -> None:
    a, b, _ = servers
    ann, bob = sides[0].new_user("ann"), sides[1].new_user("bob")
    remote_bob = followed(ann, bob, b)
    post = bob.api.status_post("Buy my things, cheap!")
    copy = arrived(ann, post["uri"])
    kept = ann.api.report(remote_bob["id"], status_ids=[copy["id"]], comment="Kept here")
    assert kept["forwarded"] is False
    sent = ann.api.report(remote_bob["id"], status_ids=[copy["id"]], comment="Spam, sent on",
                          forward=True)
    assert sent["forwarded"] is True
    moderator = make_staff(b, tmp_path, schema_log, "moderator")

    def received() -> list[dict[str, Any]]:
        return [r for r in moderator.admin_reports() if r["target_account"]["id"] == bob.id]

    reports = eventually(received, timeout=WAIT)
    assert [r["comment"] for r in reports] == ["Spam, sent on"]  # only the forwarded one
    assert [s["id"] for s in reports[0]["statuses"]] == [post["id"]]
    reporter = reports[0]["account"]  # the other server itself, never the reporter
    assert reporter["domain"] == urlsplit(a.base_url).netloc
    assert reporter["username"] != ann.username


def test_a_pin_shows_as_pinned_on_a_followers_server(
        servers: Trio, sides: tuple[Clients, Clients, Clients]) -> None:
    a, _, _ = servers
    cat, dan = sides[0].new_user("cat"), sides[1].new_user("dan")
    remote_cat = followed(dan, cat, a)
    post = cat.api.status_post("My best post.")
    private = cat.api.status_post("For my followers.", visibility="private")
    arrived(dan, post["uri"])
    arrived(dan, private["uri"])
    cat.api.status_pin(private["id"])
    cat.api.status_pin(post["id"])

    def pinned() -> list[str]:
        return [s["uri"] for s in dan.api.account_statuses(remote_cat["id"], pinned=True)]

    assert eventually(lambda: pinned() == [post["uri"]], timeout=WAIT)
    # Its featured collection lists the public pin only (the private one is sent nowhere).
    featured = httpx.get(f"{a.base_url}/users/{cat.username}/collections/featured",
                         headers={"accept": AS_JSON}, timeout=20).json()
    assert featured["orderedItems"] == [post["uri"]]
    cat.api.status_unpin(post["id"])
    assert eventually(lambda: not pinned(), timeout=WAIT)


def test_an_account_moves_and_its_followers_follow_the_new_one(
        servers: Trio, sides: tuple[Clients, Clients, Clients]) -> None:
    a, b, c = servers
    eve, hal = sides[0].new_user("eve"), sides[0].new_user("hal")
    fay, gil = sides[1].new_user("fay"), sides[2].new_user("gil")
    remote_eve = followed(gil, eve, a)
    hal.api.account_follow(eve.id)
    # The new account names the old one first, in its web settings.
    with signed_in(b, fay) as tab:
        page = tab.get("/settings/moving", params={"alias": handle(eve, a)})
        assert page.status_code == 200, page.text
        assert confirm(tab, page.text, "/settings/aliases").status_code == 303
    assert actor_document(b, fay.username)["alsoKnownAs"] == [uri_of(a, eve)]
    # Then the old account moves (its password confirms it).
    with signed_in(a, eve) as tab:
        page = tab.get("/settings/moving", params={"target": handle(fay, b)})
        moved = confirm(tab, page.text, "/settings/moving", password=eve.password)
        assert moved.status_code == 303, moved.text
    assert actor_document(a, eve.username)["movedTo"] == uri_of(b, fay)

    # On a third server, its follower follows the new account instead of the old one,
    # which says where it went.
    remote_fay = find_remote(gil, handle(fay, b))
    assert eventually(lambda: following(gil, remote_fay["id"]), timeout=WAIT)
    assert eventually(lambda: not following(gil, remote_eve["id"]), timeout=WAIT)
    assert gil.api.account(remote_eve["id"])["moved"]["id"] == remote_fay["id"]
    # On the old account's own server too.
    fay_on_a = find_remote(hal, handle(fay, b))
    assert eventually(lambda: following(hal, fay_on_a["id"]), timeout=WAIT)
    assert not following(hal, eve.id)
    assert hal.api.account(eve.id)["moved"]["acct"] == handle(fay, b)
    # The new account has both followers, the old one none.
    assert eventually(lambda: {x["acct"] for x in fay.api.account_followers(fay.id)}
                      == {handle(gil, c), handle(hal, a)}, timeout=WAIT)
    assert eventually(lambda: eve.api.account(eve.id)["followers_count"] == 0, timeout=WAIT)


def test_a_move_to_an_account_that_does_not_name_the_old_one_is_refused(
        servers: Trio, sides: tuple[Clients, Clients, Clients]) -> None:
    a, b, _ = servers
    ida, jon = sides[0].new_user("ida"), sides[1].new_user("jon")
    with signed_in(a, ida) as tab:
        page = tab.get("/settings/moving", params={"target": handle(jon, b)})
        assert page.status_code == 200 and "must name this one" in page.text
        assert not [f for f in forms(page.text)
                    if f.action == "/settings/moving" and f.method == "post"]
        # Posted all the same: refused.
        csrf = form(tab.get("/settings/password").text, "/settings/password").fields["csrf"]
        jon_on_a = find_remote(ida, handle(jon, b))
        refused = tab.post("/settings/moving", data={
            "csrf": csrf, "account_id": jon_on_a["id"], "password": ida.password})
        assert refused.status_code == 422 and "must name this one" in refused.text
    assert ida.api.account(ida.id).get("moved") is None
    assert "movedTo" not in actor_document(a, ida.username)


# -- from a peer served by the test ------------------------------------------------------------

def introduced(peer: Peer, server: LiveServer, user: TestUser) -> tuple[str, str]:
    """The peer's actor posts to `user` (kept: it mentions them): the post's URI and the
    actor's account id on `user`'s server."""
    note, user_uri = f"{peer.base}/notes/{uuid.uuid4()}", uri_of(server, user)
    send(peer, f"{server.base_url}/inbox", {
        "type": "Create", "to": [PUBLIC], "cc": [user_uri], "object": {
            "id": note, "type": "Note", "attributedTo": peer.actor, "to": [PUBLIC],
            "cc": [user_uri], "content": "<p>hello</p>", "published": "2026-12-01T10:00:00Z",
            "tag": [{"type": "Mention", "href": user_uri, "name": f"@{user.username}"}]}})
    mentions = eventually(lambda: [n for n in user.api.notifications(types=["mention"])
                                   if n["status"]["uri"] == note], timeout=WAIT)
    assert mentions, "the peer's post did not arrive"
    return note, str(mentions[0]["account"]["id"])


def handled(peer: Peer, server: LiveServer, user: TestUser) -> None:
    """Wait until what the peer sent before has been handled: a Like sent after it counts."""
    post = user.api.status_post("a probe")
    send(peer, f"{server.base_url}/inbox", {"type": "Like", "object": post["uri"]})
    assert eventually(lambda: user.api.status(post["id"])["favourites_count"] == 1,
                      timeout=WAIT)


def test_a_peers_pins_come_without_ids(servers: Trio, sides: tuple[Clients, Clients, Clients],
                                       peer: Peer) -> None:
    a = servers[0]
    kim = sides[0].new_user("kim")
    note, zed_id = introduced(peer, a, kim)
    featured = {"object": note, "target": f"{peer.actor}/collections/featured"}

    def pinned() -> list[str]:
        return [s["uri"] for s in kim.api.account_statuses(zed_id, pinned=True)]

    send(peer, f"{a.base_url}/inbox", {"type": "Add", **featured}, named=False)
    assert eventually(lambda: pinned() == [note], timeout=WAIT)
    send(peer, f"{a.base_url}/inbox", {"type": "Remove", **featured}, named=False)
    assert eventually(lambda: not pinned(), timeout=WAIT)
    # The same Add again: no id to tell it from a repeat, so it is handled again.
    send(peer, f"{a.base_url}/inbox", {"type": "Add", **featured}, named=False)
    assert eventually(lambda: pinned() == [note], timeout=WAIT)


def test_a_peers_reports_reach_the_moderators_until_refused(
        servers: Trio, sides: tuple[Clients, Clients, Clients], peer: Peer, tmp_path: Path,
        schema_log: SchemaLog) -> None:
    a = servers[0]
    lea = sides[0].new_user("lea")
    _, zed_id = introduced(peer, a, lea)
    post = lea.api.status_post("something zed dislikes")
    admin = make_staff(a, tmp_path, schema_log, "admin")
    send(peer, f"{a.base_url}/inbox", {"type": "Flag", "content": "Rude.", "object": [
        uri_of(a, lea), post["uri"], "https://elsewhere.example/users/someone"]})

    def reports() -> list[dict[str, Any]]:
        return [r for r in admin.admin_reports() if r["target_account"]["id"] == lea.id]

    found = eventually(reports, timeout=WAIT)
    assert [(r["comment"], [s["id"] for s in r["statuses"]], r["account"]["id"])
            for r in found] == [("Rude.", [post["id"]], zed_id)]
    # Once this server takes no reports from the peer's, its Flags go unheard.
    admin.admin_create_domain_block(urlsplit(peer.base).netloc, severity="noop",
                                    reject_reports=True)
    send(peer, f"{a.base_url}/inbox", {"type": "Flag", "content": "Ruder.",
                                       "object": uri_of(a, lea)})
    handled(peer, a, lea)
    assert [r["comment"] for r in reports()] == ["Rude."]


def test_a_peers_move_counts_once_the_new_account_names_it(
        servers: Trio, sides: tuple[Clients, Clients, Clients], peer: Peer) -> None:
    a = servers[0]
    kay, leo = sides[0].new_user("kay"), sides[0].new_user("leo")
    mia, ned = sides[0].new_user("mia"), sides[0].new_user("ned")
    _, zed_id = introduced(peer, a, kay)
    mia.api.account_block(zed_id)
    ned.api.account_mute(zed_id)
    leo.api.account_follow(zed_id)
    send(peer, f"{a.base_url}/inbox", {"type": "Accept", "object": {
        "type": "Follow", "actor": uri_of(a, leo), "object": peer.actor}})
    assert eventually(lambda: following(leo, zed_id), timeout=WAIT)
    kay.api.account_update_credentials(locked=True)
    moving = {"type": "Move", "object": peer.actor, "target": uri_of(a, kay)}

    send(peer, f"{a.base_url}/inbox", moving)  # kay has not named zed: refused
    handled(peer, a, kay)
    assert kay.api.account(zed_id).get("moved") is None
    assert following(leo, zed_id) and not following(leo, kay.id)

    with signed_in(a, kay) as tab:
        page = tab.get("/settings/moving", params={"alias": peer.handle})
        assert confirm(tab, page.text, "/settings/aliases").status_code == 303
    send(peer, f"{a.base_url}/inbox", moving)  # the same Move again (a new id): it counts
    # leo follows kay at once: kay asked for zed's followers, locked or not.
    assert eventually(lambda: following(leo, kay.id), timeout=WAIT)
    assert not following(leo, zed_id)
    assert kay.api.account(zed_id)["moved"]["id"] == kay.id
    # Blocks and mutes of the old account carry over to the new one.
    assert eventually(lambda: mia.api.account_relationships(kay.id)[0]["blocking"],
                      timeout=WAIT)
    assert eventually(lambda: ned.api.account_relationships(kay.id)[0]["muting"],
                      timeout=WAIT)
