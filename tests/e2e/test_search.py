"""/api/v2/search: accounts by prefix, hashtags by prefix, statuses by full text (SQLite FTS5
or PostgreSQL full text) over what the searcher may see."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest
from mastodon import MastodonAPIError

from support.clients import Clients, TestUser

_words = itertools.count(1)


def bearer(user: TestUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.api.access_token}"}


def ids(items: Any) -> list[str]:
    return [str(item["id"]) for item in items]


def word() -> str:
    """A word no other test's post contains."""
    return f"qx{next(_words)}vorbeck"


def statuses(user: TestUser, query: str, **kwargs: Any) -> list[str]:
    return ids(user.api.search_v2(query, result_type="statuses", **kwargs)["statuses"])


def test_statuses_by_full_text_over_what_one_may_see(clients: Clients) -> None:
    ann, fan, other = (clients.new_user(n) for n in ("sann", "sfan", "sother"))
    fan.api.account_follow(ann.id)
    key = word()
    public = ann.api.status_post(f"The {key} is in BLOOM today")
    private = ann.api.status_post(f"{key} for followers", visibility="private")
    direct = ann.api.status_post(f"@{fan.username} {key} just for you", visibility="direct")
    warned = ann.api.status_post("behind a warning", spoiler_text=f"{key} spoilers")
    ann.api.status_reblog(public["id"])  # reposts are never results of their own
    everything = [warned["id"], direct["id"], private["id"], public["id"]]
    assert statuses(ann, key) == everything
    assert statuses(fan, key.upper()) == everything  # case-insensitive
    assert statuses(other, key) == [warned["id"], public["id"]]
    assert statuses(other, f"{key} bloom") == [public["id"]]  # every word must occur
    assert statuses(other, f"{key} wilting") == []
    assert statuses(other, f'"{key} is in bloom"') == [public["id"]]
    assert statuses(other, f'"bloom is {key}"') == []  # a phrase keeps its order
    assert statuses(ann, key, limit=2) == everything[:2]
    assert statuses(ann, key, limit=2, offset=2) == everything[2:]
    assert statuses(ann, key, max_id=direct["id"]) == everything[2:]
    assert statuses(ann, key, account_id=fan.id) == []
    ann.api.status_delete(public["id"])  # the index follows deletions at once
    assert statuses(other, key) == [warned["id"]]
    fresh = word()
    ann.api.status_update(warned["id"], f"rewritten as {fresh}", spoiler_text="")
    assert statuses(other, key) == []  # and edits
    assert statuses(other, fresh) == [warned["id"]]
    assert clients.anonymous().search_v2(key)["statuses"] == []  # signed out: no statuses


def test_accounts_that_are_not_indexable_are_found_only_by_those_involved(
        clients: Clients) -> None:
    shy, liker, other = (clients.new_user(n) for n in ("sshy", "sliker", "sother"))
    shy.api.account_update_credentials(indexable=False)
    key = word()
    post = shy.api.status_post(f"{key} quietly")
    mention = shy.api.status_post(f"@{other.username} {key} to you")
    liker.api.status_favourite(post["id"])
    assert statuses(shy, key) == [mention["id"], post["id"]]  # one's own, always
    assert statuses(liker, key) == [post["id"]]  # liked it
    assert statuses(other, key) == [mention["id"]]  # mentioned in it
    stranger = clients.new_user("sstranger")
    assert statuses(stranger, key) == []


def test_blocked_and_muted_authors_are_left_out(clients: Clients) -> None:
    me, blocked, muted, fine = (clients.new_user(n) for n in ("sme", "sblk", "smute", "sfine"))
    key = word()
    posts = {user.id: user.api.status_post(f"{key} from {user.username}")
             for user in (blocked, muted, fine)}
    me.api.account_block(blocked.id)
    me.api.account_mute(muted.id)
    assert statuses(me, key) == [posts[fine.id]["id"]]
    assert statuses(blocked, key) == [posts[fine.id]["id"], posts[muted.id]["id"],
                                      posts[blocked.id]["id"]]


def test_accounts_by_prefix(clients: Clients, http: httpx.Client) -> None:
    base = f"sacct{next(_words)}"
    exact = clients.new_user(base)  # registered as base + a number
    longer = clients.new_user(f"{exact.username}x")
    viewer = clients.new_user("sview")
    found = viewer.api.search_v2(exact.username.upper(), result_type="accounts")["accounts"]
    assert ids(found) == [exact.id, longer.id]  # case-insensitive, exact match first
    assert ids(viewer.api.search_v2(f"@{exact.username}")["accounts"])[0] == exact.id
    viewer.api.account_follow(longer.id)
    followed = http.get("/api/v2/search", headers=bearer(viewer), params={
        "q": exact.username, "type": "accounts", "following": "true"}).json()["accounts"]
    assert ids(followed) == [longer.id]
    anonymous = clients.anonymous().search_v2(exact.username, result_type="accounts")
    assert ids(anonymous["accounts"]) == [exact.id, longer.id]
    assert ids(viewer.api.search_v2(exact.username, result_type="accounts", limit=1,
                                    offset=1)["accounts"]) == [longer.id]


def test_hashtags_by_prefix(clients: Clients, http: httpx.Client) -> None:
    me = clients.new_user("stags")
    stem = f"garden{next(_words)}"
    me.api.status_post(f"tips #{stem}ing and #{stem}party and #{stem.upper()}")
    names = [tag["name"] for tag in me.api.search_v2(f"#{stem}")["hashtags"]]
    assert names == [stem, f"{stem}ing", f"{stem}party"]  # exact first, then shortest
    [tag] = me.api.search_v2(f"{stem}ing", result_type="hashtags")["hashtags"]
    assert tag["url"].endswith(f"/tags/{stem}ing") and len(tag["history"]) == 7
    assert tag["history"][0]["uses"] == "1"
    # The exact match comes first only when the tag exists (Mastodon's ensure_exact_match).
    fresh = http.get("/api/v2/search", headers=bearer(me),
                     params={"q": f"{stem}zz", "type": "hashtags"}).json()["hashtags"]
    assert fresh == []
    names = [t["name"] for t in me.api.search_v2(f"#{stem}p")["hashtags"]]
    assert names == [f"{stem}party"]
    anonymous = clients.anonymous().search_v2(stem, result_type="hashtags")["hashtags"]
    assert [t["name"] for t in anonymous][:1] == [stem]


def test_urls_resolve_to_what_they_name(clients: Clients) -> None:
    me, other = clients.new_user("surl"), clients.new_user("surl")
    post = other.api.status_post("find me by my address")
    hidden = other.api.status_post("not for you", visibility="private")
    by_url = me.api.search_v2(post["url"])
    assert ids(by_url["statuses"]) == [post["id"]] and by_url["accounts"] == []
    assert ids(me.api.search_v2(post["uri"])["statuses"]) == [post["id"]]
    assert me.api.search_v2(hidden["url"])["statuses"] == []
    assert ids(me.api.search_v2(other.account["url"])["accounts"]) == [other.id]
    assert me.api.search_v2(post["url"], result_type="accounts")["accounts"] == []


def test_search_syntax_is_only_words(clients: Clients) -> None:
    me = clients.new_user("ssyntax")
    key = word()
    post = me.api.status_post(f"{key}: apples OR pears (NEAR) *stars* col:umn")
    for query in (f'{key} OR', f'{key} "unclosed', f"{key}*", f"{key} NEAR(a b)",
                  f"text:{key}", f"{key} -pears", f"({key})", f"{key} ^ AND NOT",
                  '"" ""', "*", "'; DROP TABLE posts; --"):
        found = statuses(me, query)
        assert found in ([], [post["id"]]), query
    assert statuses(me, f"{key} stars") == [post["id"]]


def test_search_bad_input(clients: Clients, http: httpx.Client) -> None:
    me = clients.new_user("sbad")
    headers = bearer(me)
    for params in ({}, {"q": ""}, {"q": "x" * 501}, {"q": "a", "type": "posts"},
                   {"q": "a", "limit": "0"}, {"q": "a", "limit": "41"},
                   {"q": "a", "offset": "-1"}, {"q": "a", "limit": "lots"}):
        response = http.get("/api/v2/search", params=params, headers=headers)
        assert response.status_code == 422, params
        assert "error" in response.json()
    assert http.get("/api/v2/search", params={"q": "a", "type": "accounts", "offset": "5"}
                    ).status_code == 401  # paging needs a signed-in user
    assert http.get("/api/v2/search", params={"q": "a"},
                    headers={"Authorization": "Bearer nope"}).status_code == 401
    odd = http.get("/api/v2/search", headers=headers,
                   params={"q": "a", "account_id": "nope", "max_id": "x"})
    assert odd.status_code == 200
    writer = clients.new_user("swrite", scopes=["write", "read:accounts"])
    with pytest.raises(MastodonAPIError):
        writer.api.search_v2("anything")


def test_a_lone_tag_or_handle_searches_no_statuses(clients: Clients) -> None:
    me, other = clients.new_user("slone"), clients.new_user("slone")
    stem = f"lonely{next(_words)}"
    key = word()
    other.api.status_post(f"about #{stem} and @{me.username} {key}")
    assert me.api.search_v2(f"#{stem}")["statuses"] == []
    assert [t["name"] for t in me.api.search_v2(f"#{stem}")["hashtags"]] == [stem]
    assert me.api.search_v2(f"#{stem}")["accounts"] == []
    handle = me.api.search_v2(f"@{me.username}")
    assert handle["statuses"] == [] and handle["hashtags"] == []
    assert ids(handle["accounts"])[:1] == [me.id]
    assert len(me.api.search_v2(f"{key} about")["statuses"]) == 1  # words still do


def test_resolve_finds_a_blocked_account_by_its_exact_handle(clients: Clients) -> None:
    me, blocked, blocker = (clients.new_user(n) for n in ("sres", "sresb", "sresx"))
    me.api.account_block(blocked.id)
    blocker.api.account_block(me.id)
    assert me.api.search_v2(blocked.username, result_type="accounts",
                            resolve=False)["accounts"] == []
    found = me.api.search_v2(f"@{blocked.username}", result_type="accounts", resolve=True)
    assert ids(found["accounts"]) == [blocked.id]
    # Someone who blocks the searcher stays out of sight, handle or not.
    assert me.api.search_v2(blocker.username, result_type="accounts",
                            resolve=True)["accounts"] == []


def test_scheduled_at_errors_are_mastodons(clients: Clients, http: httpx.Client) -> None:
    me = clients.new_user("ssched")
    bad = http.post("/api/v1/statuses", headers=bearer(me),
                    json={"status": "later", "scheduled_at": "next tuesday"})
    assert (bad.status_code, bad.json()) == (422, {"error": "Record invalid"})
    assert me.api.account(me.id)["statuses_count"] == 0
    # A moment already gone posts at once, as Mastodon does.
    past = http.post("/api/v1/statuses", headers=bearer(me),
                     json={"status": "now", "scheduled_at": "2020-01-01T00:00:00Z"})
    assert past.status_code == 200 and past.json()["content"] == "<p>now</p>"
