"""Hashtags through Mastodon.py: the Tag entity and its history, following tags (posts reach
home), followed_tags paging, and featured tags."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest
from mastodon import MastodonAPIError, MastodonError, MastodonNotFoundError

from support.clients import Clients, TestUser, eventually


def unique_tag(prefix: str = "tag") -> str:
    return f"{prefix}{secrets.token_hex(4)}x"


def auth(user: TestUser) -> dict[str, str]:
    return {"authorization": f"Bearer {user.api.access_token}"}


def home_ids(user: TestUser) -> set[str]:
    return {status["id"] for status in user.api.timeline_home(limit=40)}


def test_tag_entity_counts_todays_uses(clients: Clients, http: httpx.Client) -> None:
    alice, bob = clients.new_user("tagalice"), clients.new_user("tagbob")
    name = unique_tag("Hist")
    alice.api.status_post(f"first #{name}")
    alice.api.status_post(f"second #{name}")
    bob.api.status_post(f"and me #{name}")
    bob.api.status_post(f"hidden #{name}", visibility="private")
    tag = alice.api.tag(name)
    assert tag["name"] == name.lower() and tag["id"]
    assert tag["url"].endswith(f"/tags/{name.lower()}")
    assert tag["following"] is False and tag["featuring"] is False
    history = tag["history"]
    assert len(history) == 7
    # Mastodon.py reads days as datetimes and counts as numbers.
    days = [day["day"] for day in history]
    assert days == sorted(days, reverse=True) and len(set(days)) == 7
    assert (int(history[0]["uses"]), int(history[0]["accounts"])) == (3, 2)
    assert all(int(day["uses"]) == 0 for day in history[1:])
    # Signed out: no viewer fields; a valid name nobody used is an empty tag, not an error.
    public = http.get(f"/api/v1/tags/{name.upper()}").json()
    assert "following" not in public and public["history"][0]["uses"] == "3"
    fresh = http.get(f"/api/v1/tags/{unique_tag('never')}").json()
    assert fresh["id"] == "" and all(day["uses"] == "0" for day in fresh["history"])


def test_tag_bad_input(clients: Clients, http: httpx.Client) -> None:
    user = clients.new_user("tagbad")
    for bad in ("no-dash", "123", "x" * 300, "%20"):
        assert http.get(f"/api/v1/tags/{bad}").status_code == 404, bad
    assert http.post(f"/api/v1/tags/{unique_tag()}/follow").status_code == 401
    response = http.post("/api/v1/tags/no-dash/follow", headers=auth(user))
    assert response.status_code in (404, 422) and "error" in response.json()
    reader = clients.new_user("tagreader", scopes=["read"])
    with pytest.raises(MastodonAPIError):
        reader.api.tag_follow(unique_tag())
    assert http.get("/api/v1/followed_tags").status_code == 401


def test_following_a_tag_brings_strangers_public_posts_home(clients: Clients) -> None:
    fan, stranger, friend = (clients.new_user("tagfan"), clients.new_user("tagstranger"),
                             clients.new_user("tagfriend"))
    name = unique_tag("Follow")
    followed = fan.api.tag_follow(name)
    assert followed["following"] is True and followed["name"] == name.lower()
    assert fan.api.tag(name)["following"] is True
    fan.api.account_follow(friend.id)
    public = stranger.api.status_post(f"hello #{name}")
    unlisted = stranger.api.status_post(f"quiet #{name}", visibility="unlisted")
    private = stranger.api.status_post(f"secret #{name}", visibility="private")
    untagged = stranger.api.status_post("no tag here")
    from_friend = friend.api.status_post(f"friend with #{name}")
    assert eventually(lambda: {public["id"], from_friend["id"]} <= home_ids(fan))
    marker = friend.api.status_post("marker after the rest")
    assert eventually(lambda: marker["id"] in home_ids(fan))
    seen = home_ids(fan)
    assert not {unlisted["id"], private["id"], untagged["id"]} & seen
    # Unfollowing the tag takes its posts out again, but not those of followed accounts.
    assert fan.api.tag_unfollow(name)["following"] is False
    assert eventually(lambda: public["id"] not in home_ids(fan))
    assert from_friend["id"] in home_ids(fan)
    later = stranger.api.status_post(f"after the unfollow #{name}")
    marker = friend.api.status_post("second marker")
    assert eventually(lambda: marker["id"] in home_ids(fan))
    assert later["id"] not in home_ids(fan)


def test_followed_tags_page_with_link_headers(clients: Clients, http: httpx.Client) -> None:
    user = clients.new_user("tagpager")
    names = [unique_tag(f"page{i}") for i in range(5)]
    for name in names:
        user.api.tag_follow(name)
    user.api.tag_follow(names[0])  # following again changes nothing
    first = http.get("/api/v1/followed_tags", params={"limit": 3}, headers=auth(user))
    assert first.status_code == 200
    assert [tag["name"] for tag in first.json()] == [n.lower() for n in reversed(names)][:3]
    assert all(tag["following"] for tag in first.json())
    next_url = first.links["next"]["url"]
    second = http.get(next_url, headers=auth(user)).json()
    assert [tag["name"] for tag in second] == [n.lower() for n in reversed(names)][3:]
    assert len(user.api.followed_tags()) == 5


def _featured(user: TestUser) -> dict[str, Any]:
    return {tag["name"]: tag for tag in user.api.featured_tags()}


def test_featured_tags(clients: Clients, http: httpx.Client) -> None:
    user, other = clients.new_user("featurer"), clients.new_user("featother")
    used, unused = unique_tag("Used"), unique_tag("Unused")
    user.api.status_post(f"one #{used}")
    user.api.status_post(f"two #{used}")
    user.api.status_post(f"private #{used}", visibility="private")
    suggested = [tag["name"] for tag in user.api.featured_tag_suggestions()]
    assert used.lower() in suggested
    created = user.api.featured_tag_create(used)
    assert created["name"] == used.lower() and created["statuses_count"] in ("2", 2)
    assert created["url"].endswith(f"/@{user.username}/tagged/{used.lower()}")
    assert created["last_status_at"] is not None
    assert user.api.featured_tag_create(f"#{used}")["id"] == created["id"]
    user.api.featured_tag_create(unused)
    assert used.lower() not in [t["name"] for t in user.api.featured_tag_suggestions()]
    assert set(_featured(user)) == {used.lower(), unused.lower()}
    assert user.api.tag(used)["featuring"] is True
    public = http.get(f"/api/v1/accounts/{user.id}/featured_tags").json()
    assert [tag["name"] for tag in public] == [used.lower(), unused.lower()]
    with pytest.raises(MastodonNotFoundError):
        other.api.featured_tag_delete(created["id"])
    user.api.featured_tag_delete(created["id"])
    assert set(_featured(user)) == {unused.lower()}
    with pytest.raises(MastodonNotFoundError):
        user.api.featured_tag_delete(created["id"])
    # Mastodon 4.4's feature/unfeature by name.
    featured = http.post(f"/api/v1/tags/{used}/feature", headers=auth(user)).json()
    assert featured["featuring"] is True
    unfeatured = http.post(f"/api/v1/tags/{used}/unfeature", headers=auth(user)).json()
    assert unfeatured["featuring"] is False


def test_featured_tags_limits_and_bad_input(clients: Clients, http: httpx.Client) -> None:
    user = clients.new_user("featlimit")
    for _ in range(10):
        user.api.featured_tag_create(unique_tag("lim"))
    with pytest.raises(MastodonError):
        user.api.featured_tag_create(unique_tag("eleventh"))
    for body in ({"name": "not a tag"}, {"name": ""}, {}, {"name": "#"}):
        response = http.post("/api/v1/featured_tags", json=body, headers=auth(user))
        assert response.status_code == 422, (body, response.text)
    assert http.get("/api/v1/accounts/123/featured_tags").status_code == 404
    assert http.delete("/api/v1/featured_tags/abc", headers=auth(user)).status_code == 404
    assert http.get("/api/v1/featured_tags").status_code == 401
