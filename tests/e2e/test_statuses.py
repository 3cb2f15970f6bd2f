"""Statuses: posting, reading, deleting, reblogs, quotes, favourites, bookmarks, visibility."""

from __future__ import annotations

import uuid

import httpx
import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from support.clients import Clients, TestUser


def _token(user: TestUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.api.access_token}"}


def _follow(follower: TestUser, target: TestUser) -> None:
    """Follow through the API; skips the test while the follow endpoint does not exist."""
    try:
        follower.api.account_follow(target.id)
    except MastodonNotFoundError:
        pytest.skip("POST /api/v1/accounts/:id/follow is not available yet")


def test_post_renders_mentions_tags_and_links(clients: Clients) -> None:
    alice, bob = clients.new_user("alice"), clients.new_user("bob")
    text = (f"Hello @{bob.username} and @nobody_here! #Parley #parley "
            "https://example.com/a/rather/long/path/to/somewhere?x=1")
    status = alice.api.status_post(text)
    assert status["account"]["id"] == alice.id
    assert status["visibility"] == "public"
    assert status["url"].endswith(f"/@{alice.username}/{status['id']}")
    assert status["application"]["name"] == "Parley tests"
    assert [m["acct"] for m in status["mentions"]] == [bob.username]
    assert [t["name"] for t in status["tags"]] == ["parley"]
    content = status["content"]
    assert f'class="u-url mention">@<span>{bob.username}</span></a>' in content
    assert "@nobody_here" in content and "nobody_here</span>" not in content
    assert 'class="mention hashtag" rel="tag">#<span>Parley</span>' in content
    assert 'href="https://example.com/a/rather/long/path/to/somewhere?x=1"' in content
    assert (status["favourited"], status["reblogged"], status["bookmarked"]) == (
        False, False, False)
    fetched = clients.anonymous().status(status["id"])
    assert fetched["content"] == content and fetched["favourited"] is False
    source = alice.api.status_source(status["id"])
    assert source == {"id": status["id"], "text": text, "spoiler_text": ""}


def test_escapes_html_and_keeps_paragraphs(clients: Clients) -> None:
    alice = clients.new_user("alice")
    status = alice.api.status_post("<script>alert(1)</script> & co\nline two\n\nsecond")
    assert "<script>" not in status["content"]
    assert status["content"] == ("<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; co<br>"
                                 "line two</p><p>second</p>")


def test_spoiler_language_and_counters(clients: Clients) -> None:
    alice = clients.new_user("alice")
    status = alice.api.status_post("behind a warning", spoiler_text="cw", language="de")
    assert status["sensitive"] is True and status["spoiler_text"] == "cw"
    assert status["language"] == "de"
    me = alice.api.me()
    assert me["statuses_count"] == 1 and me["last_status_at"] is not None


def test_reply_fields_and_replies_count(clients: Clients) -> None:
    alice, bob = clients.new_user("alice"), clients.new_user("bob")
    root = alice.api.status_post("a question")
    reply = bob.api.status_post(f"@{alice.username} an answer", in_reply_to_id=root["id"])
    assert reply["in_reply_to_id"] == root["id"]
    assert reply["in_reply_to_account_id"] == alice.id
    assert bob.api.status(root["id"])["replies_count"] == 1
    # A followers-only reply is not counted: counts must not reveal private posts.
    bob.api.status_post("a quiet aside", in_reply_to_id=root["id"], visibility="private")
    assert bob.api.status(root["id"])["replies_count"] == 1


def test_reply_to_unknown_or_hidden_post_is_not_found(clients: Clients) -> None:
    alice, bob, carol = (clients.new_user(n) for n in ("alice", "bob", "carol"))
    hidden = alice.api.status_post(f"@{bob.username} psst", visibility="direct")
    with pytest.raises(MastodonNotFoundError):
        carol.api.status_post("butting in", in_reply_to_id=hidden["id"])
    with pytest.raises(MastodonNotFoundError):
        carol.api.status_post("into the void", in_reply_to_id="1234567")
    reply = bob.api.status_post(f"@{alice.username} ok", in_reply_to_id=hidden["id"],
                                visibility="direct")
    assert reply["in_reply_to_id"] == hidden["id"]


def test_delete_returns_source_and_fixes_counters(clients: Clients) -> None:
    alice, bob = clients.new_user("alice"), clients.new_user("bob")
    root = alice.api.status_post("root")
    reply = bob.api.status_post("a reply #gone", in_reply_to_id=root["id"])
    bob.api.status_reblog(root["id"])
    alice.api.status_reblog(reply["id"])
    with pytest.raises(MastodonAPIError) as refused:
        alice.api.status_delete(reply["id"])
    assert refused.value.args[1] == 403
    deleted = bob.api.status_delete(reply["id"])
    assert deleted["id"] == reply["id"] and deleted["text"] == "a reply #gone"
    with pytest.raises(MastodonNotFoundError):
        bob.api.status(reply["id"])
    assert alice.api.status(root["id"])["replies_count"] == 0
    assert bob.api.me()["statuses_count"] == 1  # the reblog of root remains
    assert alice.api.me()["statuses_count"] == 1  # the reblog of the reply went with it


def test_reblog_and_unreblog(clients: Clients) -> None:
    alice, bob, carol = (clients.new_user(n) for n in ("alice", "bob", "carol"))
    original = alice.api.status_post("worth sharing")
    wrapper = bob.api.status_reblog(original["id"])
    assert wrapper["reblog"]["id"] == original["id"]
    assert wrapper["account"]["id"] == bob.id
    assert wrapper["reblog"]["reblogged"] is True
    assert wrapper["reblog"]["reblogs_count"] == 1
    assert bob.api.status_reblog(original["id"])["id"] == wrapper["id"]  # idempotent
    assert carol.api.status(wrapper["id"])["reblog"]["id"] == original["id"]
    assert [a["id"] for a in carol.api.status_reblogged_by(original["id"])] == [bob.id]
    assert bob.api.me()["statuses_count"] == 1
    undone = bob.api.status_unreblog(original["id"])
    assert undone["id"] == original["id"]
    assert (undone["reblogged"], undone["reblogs_count"]) == (False, 0)
    assert bob.api.status_unreblog(original["id"])["reblogs_count"] == 0  # idempotent
    assert carol.api.status_reblogged_by(original["id"]) == []
    with pytest.raises(MastodonNotFoundError):
        carol.api.status(wrapper["id"])


def test_reblog_rules_for_private_and_direct(clients: Clients) -> None:
    alice, bob = clients.new_user("alice"), clients.new_user("bob")
    private = alice.api.status_post("followers only", visibility="private")
    own = alice.api.status_reblog(private["id"])
    assert own["visibility"] == "private"
    with pytest.raises(MastodonNotFoundError):
        bob.api.status_reblog(private["id"])
    direct = alice.api.status_post(f"@{bob.username} just us", visibility="direct")
    for user in (alice, bob):
        with pytest.raises(MastodonAPIError) as refused:
            user.api.status_reblog(direct["id"])
        assert refused.value.args[1] == 403


def test_quote(clients: Clients) -> None:
    alice, bob, carol = (clients.new_user(n) for n in ("alice", "bob", "carol"))
    original = alice.api.status_post("quotable")
    quote = bob.api.status_post("so true", quoted_status_id=original["id"])
    assert quote["quote"]["state"] == "accepted"
    assert quote["quote"]["quoted_status"]["id"] == original["id"]
    assert carol.api.status(original["id"])["quotes_count"] == 1
    direct = alice.api.status_post(f"@{carol.username} secret", visibility="direct")
    # Mastodon answers the same 404 whether the post is hidden or may not be quoted.
    with pytest.raises(MastodonNotFoundError):
        carol.api.status_post("leak", quoted_status_id=direct["id"])
    with pytest.raises(MastodonNotFoundError):
        bob.api.status_post("guess", quoted_status_id=direct["id"])
    # The author may quote their own private post, in a quote as private as the post.
    private = alice.api.status_post("followers only", visibility="private")
    own = alice.api.status_post("quoting myself", quoted_status_id=private["id"])
    assert own["quote"]["quoted_status"]["id"] == private["id"]
    assert own["visibility"] == "private"
    with pytest.raises(MastodonNotFoundError):
        carol.api.status(own["id"])
    # A quote others may see, of a post they may not, shows the quote, not what it quotes.
    told = alice.api.status_post(f"@{carol.username} look", visibility="direct",
                                 quoted_status_id=private["id"])
    seen = carol.api.status(told["id"])
    assert seen["quote"] == {"state": "unauthorized", "quoted_status": None}
    assert "followers only" not in str(seen)


def test_favourite_and_bookmark(clients: Clients) -> None:
    alice, bob = clients.new_user("alice"), clients.new_user("bob")
    post = alice.api.status_post("likeable")
    liked = bob.api.status_favourite(post["id"])
    assert (liked["favourited"], liked["favourites_count"]) == (True, 1)
    assert bob.api.status_favourite(post["id"])["favourites_count"] == 1  # idempotent
    assert [a["id"] for a in alice.api.status_favourited_by(post["id"])] == [bob.id]
    assert alice.api.status(post["id"])["favourited"] is False
    unliked = bob.api.status_unfavourite(post["id"])
    assert (unliked["favourited"], unliked["favourites_count"]) == (False, 0)
    assert bob.api.status_unfavourite(post["id"])["favourites_count"] == 0
    marked = bob.api.status_bookmark(post["id"])
    assert marked["bookmarked"] is True
    assert bob.api.status_bookmark(post["id"])["bookmarked"] is True
    assert alice.api.status(post["id"])["bookmarked"] is False
    assert bob.api.status_unbookmark(post["id"])["bookmarked"] is False


def test_favourited_by_pages_with_link_header(clients: Clients, http: httpx.Client) -> None:
    alice = clients.new_user("alice")
    fans = [clients.new_user("fan") for _ in range(3)]
    post = alice.api.status_post("popular")
    for fan in fans:
        fan.api.status_favourite(post["id"])
    first = http.get(f"/api/v1/statuses/{post['id']}/favourited_by", params={"limit": 2})
    assert [a["id"] for a in first.json()] == [fans[2].id, fans[1].id]
    second = http.get(first.links["next"]["url"])
    assert [a["id"] for a in second.json()] == [fans[0].id]


def test_direct_post_is_invisible_to_others(clients: Clients, http: httpx.Client) -> None:
    alice, bob, carol = (clients.new_user(n) for n in ("alice", "bob", "carol"))
    direct = alice.api.status_post(f"@{bob.username} just between us", visibility="direct")
    assert bob.api.status(direct["id"])["visibility"] == "direct"
    assert bob.api.status_context(direct["id"]) == {"ancestors": [], "descendants": []}
    for path in ("", "/context", "/reblogged_by", "/favourited_by", "/source"):
        for headers in (_token(carol), {}):
            response = http.get(f"/api/v1/statuses/{direct['id']}{path}", headers=headers)
            expected = 401 if path == "/source" and not headers else 404
            assert response.status_code == expected, (path, headers)
    for action in ("favourite", "bookmark", "reblog"):
        response = http.post(f"/api/v1/statuses/{direct['id']}/{action}",
                             headers=_token(carol))
        assert response.status_code == 404
    assert carol.api.statuses([direct["id"]]) == []
    with pytest.raises(MastodonAPIError) as refused:
        carol.api.status_delete(direct["id"])
    assert refused.value.args[1] == 404


def test_private_post_visible_to_followers_and_mentioned(clients: Clients) -> None:
    alice, bob, carol, dave = (clients.new_user(n) for n in ("alice", "bob", "carol", "dave"))
    private = alice.api.status_post(f"for friends, and @{carol.username}",
                                    visibility="private")
    assert carol.api.status(private["id"])["id"] == private["id"]
    for viewer in (dave.api, clients.anonymous()):
        with pytest.raises(MastodonNotFoundError):
            viewer.status(private["id"])
    _follow(bob, alice)
    assert bob.api.status(private["id"])["id"] == private["id"]


def test_multiple_statuses(clients: Clients) -> None:
    alice, bob = clients.new_user("alice"), clients.new_user("bob")
    one, two = alice.api.status_post("one"), alice.api.status_post("two")
    hidden = alice.api.status_post(f"@{bob.username} hi", visibility="direct")
    found = clients.anonymous().statuses([two["id"], "999", one["id"], hidden["id"]])
    assert [s["id"] for s in found] == [two["id"], one["id"]]


def test_length_limits(clients: Clients, http: httpx.Client) -> None:
    alice = clients.new_user("alice")
    link = "https://example.com/" + "x" * 200
    assert alice.api.status_post("a" * 470 + " " + link)["id"]  # a link counts 23
    for body in ({"status": "a" * 501}, {"status": "a" * 300, "spoiler_text": "b" * 201},
                 {"status": ""}, {"status": "   \n "}, {}):
        response = http.post("/api/v1/statuses", json=body, headers=_token(alice))
        assert response.status_code == 422, body
        assert response.json()["error"].startswith("Validation failed")
    long = http.post("/api/v1/statuses", json={"status": "a" * 501}, headers=_token(alice))
    assert "character limit of 500" in long.json()["error"]


def test_bad_input(clients: Clients, http: httpx.Client) -> None:
    alice = clients.new_user("alice")
    headers = _token(alice)
    bad = [
        {"status": "x", "visibility": "everyone"},
        {"status": "x", "language": "not a language"},
        {"status": ["x"]},
        {"status": "x", "sensitive": "maybe"},
        {"status": "x", "media_ids": ["1"]},
    ]
    for body in bad:
        assert http.post("/api/v1/statuses", json=body, headers=headers).status_code == 422
    for body in ({"status": "x", "in_reply_to_id": "abc"},
                 {"status": "x", "quoted_status_id": 99999999}):
        assert http.post("/api/v1/statuses", json=body, headers=headers).status_code == 404
    for path in ("/api/v1/statuses/123", "/api/v1/statuses/abc",
                 "/api/v1/statuses/99999999999999999999", "/api/v1/statuses/123/context"):
        response = http.get(path)
        assert response.status_code == 404 and response.json()["error"]
    assert http.post("/api/v1/statuses/123/favourite", headers=headers).status_code == 404
    assert http.delete("/api/v1/statuses/123", headers=headers).status_code == 404


def _read_only_token(clients: Clients, http: httpx.Client) -> dict[str, str]:
    """Headers with a token holding only the `read` scope (password grant)."""
    user = clients.new_user("reader")
    response = http.post("/oauth/token", data={
        "grant_type": "password", "client_id": clients.client_id,
        "client_secret": clients.client_secret, "username": f"{user.username}@example.com",
        "password": user.password, "scope": "read"})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_tokens_and_scopes(clients: Clients, http: httpx.Client) -> None:
    reader = _read_only_token(clients, http)
    post = clients.new_user("alice").api.status_post("hello")
    bad = {"Authorization": "Bearer not-a-token"}
    assert http.get(f"/api/v1/statuses/{post['id']}", headers=bad).status_code == 401
    assert http.post("/api/v1/statuses", json={"status": "x"}).status_code == 401
    assert http.post("/api/v1/statuses", json={"status": "x"}, headers=bad).status_code == 401
    for method, path in (("POST", "/api/v1/statuses"),
                         ("POST", f"/api/v1/statuses/{post['id']}/favourite"),
                         ("POST", f"/api/v1/statuses/{post['id']}/bookmark"),
                         ("POST", f"/api/v1/statuses/{post['id']}/reblog"),
                         ("DELETE", f"/api/v1/statuses/{post['id']}")):
        response = http.request(method, path, json={"status": "x"}, headers=reader)
        assert response.status_code == 403, path
    assert http.get(f"/api/v1/statuses/{post['id']}", headers=reader).status_code == 200


def test_idempotency_key(clients: Clients, http: httpx.Client) -> None:
    alice = clients.new_user("alice")
    key = str(uuid.uuid4())
    first = alice.api.status_post("only once", idempotency_key=key)
    again = alice.api.status_post("only once", idempotency_key=key)
    assert again["id"] == first["id"]
    other = http.post("/api/v1/statuses", data={"status": "only once"},
                      headers={**_token(alice), "Idempotency-Key": key + "x"})
    assert other.json()["id"] != first["id"]
    assert alice.api.me()["statuses_count"] == 2


def test_notifications_of_interactions(clients: Clients) -> None:
    alice, bob = clients.new_user("alice"), clients.new_user("bob")
    post = alice.api.status_post("notable")
    bob.api.status_post("a reply without a mention", in_reply_to_id=post["id"])
    bob.api.status_favourite(post["id"])
    bob.api.status_reblog(post["id"])
    quote = bob.api.status_post("look at this", quoted_status_id=post["id"])
    kinds = {(n["type"], n["status"]["id"]) for n in alice.api.notifications()}
    assert kinds == {("favourite", post["id"]), ("reblog", post["id"]),
                     ("quote", quote["id"])}
    bob.api.status_unfavourite(post["id"])
    bob.api.status_unreblog(post["id"])
    assert [n["type"] for n in alice.api.notifications()] == ["quote"]
