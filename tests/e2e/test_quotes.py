"""Quotes the Mastodon 4.5 way: quote policies on create, edit and interaction_policy, the
viewer's quote_approval, refusals, the list of a post's quotes, revoking, the quote-inline
fallback, quote notifications, the default policy preference and Parley's `manual` policy
(the author approves or rejects each quote); schema-checked."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import requests
from mastodon import MastodonNotFoundError

from support.clients import Clients, TestUser, eventually
from support.forms import submit
from support.server import LiveServer

QUOTED_NOT_FOUND = "The post you are trying to quote does not appear to exist."


class Raw:
    """Requests through the schema-checking session, for endpoints Mastodon.py lacks."""

    def __init__(self, clients: Clients, user: TestUser) -> None:
        self.base = clients.server.base_url
        self.session = clients.schema_log.session()
        self.session.headers["Authorization"] = f"Bearer {user.api.access_token}"

    def __call__(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = path if path.startswith("http") else self.base + path
        return self.session.request(method, url, timeout=30, **kwargs)


def kinds(notifications: list[Any]) -> list[str]:
    return [n["type"] for n in notifications]


def test_policy_on_create_and_what_each_viewer_is_told(clients: Clients) -> None:
    alice, fan, stranger = (clients.new_user(n) for n in ("qpol", "qfan", "qstranger"))
    fan.api.account_follow(alice.id)
    open_post = alice.api.status_post("anyone may quote")
    followers = alice.api.status_post("followers may quote", quote_approval_policy="followers")
    closed = alice.api.status_post("nobody may quote", quote_approval_policy="nobody")
    private = alice.api.status_post("private", visibility="private",
                                    quote_approval_policy="public")
    assert open_post["quote_approval"] == {"automatic": ["public"], "manual": [],
                                           "current_user": "automatic"}
    assert followers["quote_approval"]["automatic"] == ["followers"]
    assert closed["quote_approval"]["automatic"] == []
    # Private posts are forced to `nobody`; their author may still quote them.
    assert private["quote_approval"] == {"automatic": [], "manual": [],
                                         "current_user": "automatic"}
    as_fan = {p["id"]: fan.api.status(p["id"])["quote_approval"]["current_user"]
              for p in (open_post, followers, closed, private)}
    assert as_fan == {open_post["id"]: "automatic", followers["id"]: "automatic",
                      closed["id"]: "denied", private["id"]: "denied"}
    as_stranger = {p["id"]: stranger.api.status(p["id"])["quote_approval"]["current_user"]
                   for p in (open_post, followers, closed)}
    assert as_stranger == {open_post["id"]: "automatic", followers["id"]: "denied",
                           closed["id"]: "denied"}
    anonymous = clients.anonymous().status(open_post["id"])["quote_approval"]
    assert anonymous["current_user"] == "denied"


def test_refused_quotes_answer_mastodons_404(clients: Clients) -> None:
    alice, fan, stranger = (clients.new_user(n) for n in ("qref", "qreffan", "qrefx"))
    fan.api.account_follow(alice.id)
    followers = alice.api.status_post("for followers", quote_approval_policy="followers")
    closed = alice.api.status_post("not to be quoted", quote_approval_policy="nobody")
    direct = alice.api.status_post(f"@{fan.username} just us", visibility="direct")
    before = alice.api.account(alice.id)["statuses_count"]
    for user, target in ((stranger, followers), (stranger, closed), (fan, closed),
                         (fan, direct), (stranger, direct)):
        with pytest.raises(MastodonNotFoundError) as refused:
            user.api.status_post("quoting", quoted_status_id=target["id"])
        assert refused.value.args[1] == 404 and QUOTED_NOT_FOUND in str(refused.value)
    assert fan.api.status_post("ok", quoted_status_id=followers["id"])["quote"]["state"] \
        == "accepted"
    assert alice.api.account(alice.id)["statuses_count"] == before
    assert alice.api.status(closed["id"])["quotes_count"] == 0
    bad = Raw(clients, alice)("POST", "/api/v1/statuses",
                              json={"status": "x", "quote_approval_policy": "everyone"})
    assert bad.status_code == 422 and bad.json()["error"]
    assert alice.api.account(alice.id)["statuses_count"] == before


def test_quote_of_a_private_post_is_private_with_fallback(clients: Clients) -> None:
    alice = clients.new_user("qself")
    private = alice.api.status_post("my private thought", visibility="private")
    quote = alice.api.status_post("quoting myself", quoted_status_id=private["id"])
    assert quote["visibility"] == "private"  # as Mastodon: never wider than what it quotes
    assert quote["quote"]["quoted_status"]["id"] == private["id"]
    assert quote["content"].startswith(
        f'<p class="quote-inline">RE: <a href="{private["url"]}"')
    # Text that links the quoted post itself needs no fallback.
    linked = alice.api.status_post(f"see {private['url']}", quoted_status_id=private["id"])
    assert "quote-inline" not in linked["content"]


def test_edit_and_interaction_policy(clients: Clients) -> None:
    alice, other = clients.new_user("qedit"), clients.new_user("qedito")
    post = alice.api.status_post("change my mind")
    raw = Raw(clients, alice)
    changed = raw("PUT", f"/api/v1/statuses/{post['id']}/interaction_policy",
                  json={"quote_approval_policy": "nobody"})
    assert changed.status_code == 200 and changed.json()["quote_approval"]["automatic"] == []
    assert other.api.status(post["id"])["quote_approval"]["current_user"] == "denied"
    edited = alice.api.status_update(post["id"], "changed it back",
                                     quote_approval_policy="public")
    assert edited["quote_approval"]["automatic"] == ["public"]
    assert raw("PUT", f"/api/v1/statuses/{post['id']}/interaction_policy",
               json={"quote_approval_policy": "bogus"}).status_code == 422
    others = Raw(clients, other)("PUT", f"/api/v1/statuses/{post['id']}/interaction_policy",
                                 json={"quote_approval_policy": "nobody"})
    assert others.status_code == 404
    # A quote keeps its fallback paragraph through an edit of its text.
    quote = other.api.status_post("first", quoted_status_id=post["id"])
    again = other.api.status_update(quote["id"], "second thoughts")
    assert again["content"].startswith('<p class="quote-inline">RE: ')
    assert "second thoughts" in again["content"]


def test_list_and_revoke_quotes(clients: Clients) -> None:
    alice, bob, carol = (clients.new_user(n) for n in ("qlist", "qlistb", "qlistc"))
    post = alice.api.status_post("quote me")
    made = [bob.api.status_post(f"quote {n}", quoted_status_id=post["id"]) for n in range(3)]
    carol_quote = carol.api.status_post("me too", quoted_status_id=post["id"])
    assert alice.api.status(post["id"])["quotes_count"] == 4
    raw = Raw(clients, alice)
    first = raw("GET", f"/api/v1/statuses/{post['id']}/quotes", params={"limit": 2})
    assert [s["id"] for s in first.json()] == [carol_quote["id"], made[2]["id"]]
    older = first.links["next"]["url"]
    assert [s["id"] for s in raw("GET", older).json()] == [made[1]["id"], made[0]["id"]]
    assert Raw(clients, bob)("GET", f"/api/v1/statuses/{post['id']}/quotes").status_code == 403

    revoked = raw("POST", f"/api/v1/statuses/{post['id']}/quotes/{made[0]['id']}/revoke")
    assert revoked.status_code == 200
    assert revoked.json()["quote"] == {"state": "revoked", "quoted_status": None}
    assert bob.api.status(made[0]["id"])["quote"] == {"state": "revoked",
                                                      "quoted_status": None}
    assert alice.api.status(post["id"])["quotes_count"] == 3
    listed = raw("GET", f"/api/v1/statuses/{post['id']}/quotes").json()
    assert made[0]["id"] not in [s["id"] for s in listed]
    # Only the quoted author revokes; a post that does not quote it is not found.
    by_bob = Raw(clients, bob)("POST",
                               f"/api/v1/statuses/{post['id']}/quotes/{made[1]['id']}/revoke")
    assert by_bob.status_code == 403
    assert raw("POST", f"/api/v1/statuses/{post['id']}/quotes/{post['id']}/revoke"
               ).status_code == 404
    # A quote whose post is deleted says so.
    alice.api.status_delete(post["id"])
    assert carol.api.status(carol_quote["id"])["quote"] == {"state": "deleted",
                                                            "quoted_status": None}


def test_quote_notifications(clients: Clients) -> None:
    alice, bob = clients.new_user("qnote"), clients.new_user("qnoteb")
    post = alice.api.status_post("notable")
    quote = bob.api.status_post("look", quoted_status_id=post["id"])
    note = eventually(lambda: [n for n in alice.api.notifications() if n["type"] == "quote"])
    assert note[0]["status"]["id"] == quote["id"]
    grouped = Raw(clients, alice)("GET", "/api/v2/notifications").json()
    assert "quote" in [g["type"] for g in grouped["notification_groups"]]
    alice.api.status_update(post["id"], "notable, edited")
    updates = eventually(lambda: [n for n in bob.api.notifications()
                                  if n["type"] == "quoted_update"])
    assert updates[0]["status"]["id"] == quote["id"]
    # A revoked quote's author hears no more of edits.
    Raw(clients, alice)("POST", f"/api/v1/statuses/{post['id']}/quotes/{quote['id']}/revoke")
    bob.api.notifications_clear()
    alice.api.status_update(post["id"], "notable, edited again")
    alice.api.status_post("a later post, after the edit's notifications")
    assert "quoted_update" not in kinds(bob.api.notifications())


def test_manual_policy_quotes_wait_for_the_author(clients: Clients) -> None:
    alice, bob, carol = (clients.new_user(n) for n in ("qman", "qmanb", "qmanc"))
    raw = Raw(clients, alice)
    post = raw("POST", "/api/v1/statuses",
               json={"status": "ask first", "quote_approval_policy": "manual"}).json()
    assert post["quote_approval"] == {"automatic": [], "manual": ["public"],
                                      "current_user": "automatic"}
    assert bob.api.status(post["id"])["quote_approval"]["current_user"] == "manual"
    asked = bob.api.status_post("may I?", quoted_status_id=post["id"])
    refused = carol.api.status_post("me too?", quoted_status_id=post["id"])
    assert asked["quote"] == {"state": "pending", "quoted_status": None}
    assert alice.api.status(post["id"])["quotes_count"] == 0
    told = eventually(lambda: [n["status"]["id"] for n in alice.api.notifications()
                               if n["type"] == "quote"])
    assert sorted(told) == sorted([asked["id"], refused["id"]])
    listed = raw("GET", f"/api/v1/statuses/{post['id']}/quotes").json()
    assert [s["id"] for s in listed] == [refused["id"], asked["id"]]
    # Only the quoted author decides; a decided quote stays decided.
    assert Raw(clients, bob)("POST", f"/api/v1/statuses/{post['id']}/quotes/{asked['id']}"
                             "/approve").status_code == 403
    approved = raw("POST", f"/api/v1/statuses/{post['id']}/quotes/{asked['id']}/approve")
    assert approved.json()["quote"]["state"] == "accepted"
    rejected = raw("POST", f"/api/v1/statuses/{post['id']}/quotes/{refused['id']}/reject")
    assert rejected.json()["quote"] == {"state": "rejected", "quoted_status": None}
    again = raw("POST", f"/api/v1/statuses/{post['id']}/quotes/{refused['id']}/approve")
    assert again.json()["quote"]["state"] == "rejected"
    assert bob.api.status(asked["id"])["quote"]["quoted_status"]["id"] == post["id"]
    assert alice.api.status(post["id"])["quotes_count"] == 1


def test_default_quote_policy_preference(clients: Clients) -> None:
    alice, other = clients.new_user("qpref"), clients.new_user("qprefo")
    assert alice.api.account_verify_credentials()["source"]["quote_policy"] == "public"
    assert alice.api.preferences()["posting:default:quote_policy"] == "public"
    raw = Raw(clients, alice)
    updated = raw("PATCH", "/api/v1/accounts/update_credentials",
                  data={"source[quote_policy]": "followers"})
    assert updated.status_code == 200 and updated.json()["source"]["quote_policy"] == "followers"
    assert alice.api.preferences()["posting:default:quote_policy"] == "followers"
    post = alice.api.status_post("by default")
    assert post["quote_approval"]["automatic"] == ["followers"]
    with pytest.raises(MastodonNotFoundError):
        other.api.status_post("no", quoted_status_id=post["id"])
    bad = raw("PATCH", "/api/v1/accounts/update_credentials",
              data={"source[quote_policy]": "friends"})
    assert bad.status_code == 422 and bad.json()["error"]
    domains = raw("PATCH", "/api/v1/accounts/update_credentials",
                  data={"attribution_domains[]": ["Example.org", "news.example.com"]})
    assert domains.json()["source"]["attribution_domains"] == ["example.org",
                                                               "news.example.com"]
    assert raw("PATCH", "/api/v1/accounts/update_credentials",
               data={"attribution_domains[]": ["not a domain"]}).status_code == 422


def test_web_shows_the_quote_and_its_author_revokes_it(clients: Clients,
                                                       server: LiveServer) -> None:
    alice, bob = clients.new_user("qweb"), clients.new_user("qwebb")
    post = alice.api.status_post("the quoted words")
    quote = bob.api.status_post("my take", quoted_status_id=post["id"])
    page_path = f"/@{bob.username}/{quote['id']}"
    with httpx.Client(base_url=server.base_url, timeout=30, follow_redirects=False) as tab:
        html = tab.get(page_path).text
        assert '<blockquote class="quote">' in html and "the quoted words" in html
        assert "has-quote" in html  # the RE: fallback paragraph is hidden by the stylesheet
        page = tab.get("/auth/sign_in").text
        signed_in = submit(tab, page, "/auth/sign_in", login=alice.username,
                           password=alice.password)
        assert signed_in.status_code == 303
        html = tab.get(page_path).text
        action = f"/posts/{quote['id']}/revoke-quote"
        assert f'action="{action}"' in html
        revoked = submit(tab, html, action)
        assert revoked.status_code == 303
        html = tab.get(page_path).text
        assert "(revoked)" in html and "the quoted words" not in html
    assert bob.api.status(quote["id"])["quote"]["state"] == "revoked"
