"""Preferences, follow suggestions, the profile directory, trends and announcements through
Mastodon.py: computed from the graph and recent activity, never a fixed answer."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from mastodon import MastodonError, MastodonNotFoundError, MastodonUnauthorizedError

from support.clients import Clients, TestUser


def auth(user: TestUser) -> dict[str, str]:
    return {"authorization": f"Bearer {user.api.access_token}"}


def every_page(fetch: Callable[[int], list[Any]], size: int) -> list[Any]:
    """All items of an offset-paged endpoint (trends, directory), bounded."""
    items: list[Any] = []
    for page in range(50):
        batch = fetch(page * size)
        items.extend(batch)
        if len(batch) < size:
            break
    return items


def test_preferences_follow_the_account_defaults(clients: Clients) -> None:
    user = clients.new_user("prefs")
    prefs = user.api.preferences()
    assert prefs["posting:default:visibility"] == "public"
    assert prefs["posting:default:sensitive"] is False
    assert prefs["reading:expand:media"] == "default"
    user.api.account_update_credentials(default_privacy="private", default_sensitive=True,
                                      default_language="de")
    prefs = user.api.preferences()
    assert prefs["posting:default:visibility"] == "private"
    assert prefs["posting:default:sensitive"] is True
    assert prefs["posting:default:language"] == "de"


def suggested(user: TestUser) -> dict[str, list[str]]:
    return {item["account"]["id"]: item["sources"] for item in user.api.suggestions_v2()}


def test_suggestions_come_from_the_graph(clients: Clients, http: httpx.Client) -> None:
    me, friend, friend_of_friend, blocked, quiet = (
        clients.new_user("sugme"), clients.new_user("sugfriend"), clients.new_user("sugfof"),
        clients.new_user("sugblocked"), clients.new_user("sugquiet"))
    me.api.account_follow(friend.id)
    friend.api.account_follow(friend_of_friend.id)
    friend.api.account_follow(blocked.id)
    for user in (friend, friend_of_friend, blocked):
        user.api.status_post("I am active")
    me.api.account_block(blocked.id)
    found = suggested(me)
    assert "friends_of_friends" in found[friend_of_friend.id]
    assert friend.id not in found  # already followed
    assert blocked.id not in found and me.id not in found
    assert quiet.id not in found  # never posted, followed by nobody I know
    # Popular active local accounts fill in for someone with no graph yet.
    newcomer = clients.new_user("sugnew")
    fresh = suggested(newcomer)
    assert friend_of_friend.id in fresh and "most_followed" in fresh[friend_of_friend.id]
    v1 = [account["id"] for account in me.api.suggestions_v1()]
    assert friend_of_friend.id in v1 and friend.id not in v1
    me.api.suggestion_delete(friend_of_friend.id)
    assert friend_of_friend.id not in suggested(me)
    me.api.suggestion_delete(friend_of_friend.id)  # again: fine
    with pytest.raises(MastodonNotFoundError):
        me.api.suggestion_delete("99999999")
    assert http.get("/api/v2/suggestions").status_code == 401
    assert http.get("/api/v2/suggestions", params={"limit": "many"},
                    headers=auth(me)).status_code == 422
    assert len(me.api.suggestions_v2()) <= 40


def test_directory(clients: Clients, http: httpx.Client) -> None:
    shy, newest = clients.new_user("dirshy"), clients.new_user("dirnew")
    shy.api.account_update_credentials(discoverable=False)
    anonymous = clients.anonymous()
    by_new = [account["id"] for account in anonymous.directory(order="new", local=True)]
    assert by_new[0] == newest.id and shy.id not in by_new
    newest.api.status_post("now I am active")
    by_active = [account["id"] for account in anonymous.directory(order="active", limit=5)]
    assert by_active[0] == newest.id
    everyone = every_page(lambda offset: anonymous.directory(offset=offset, limit=80), 80)
    assert shy.id not in {account["id"] for account in everyone}
    for params in ({"order": "random"}, {"limit": "x"}, {"offset": -1}, {"local": "maybe"}):
        assert http.get("/api/v1/directory", params=params).status_code == 422, params


def trending_tags(user: TestUser) -> dict[str, Any]:
    tags = every_page(lambda offset: user.api.trending_tags(limit=20, offset=offset), 20)
    return {tag["name"]: tag for tag in tags}


def test_trending_tags_reflect_who_uses_them(clients: Clients, http: httpx.Client) -> None:
    people = [clients.new_user(f"trend{i}") for i in range(3)]
    hot, lonely = f"hot{secrets.token_hex(4)}x", f"solo{secrets.token_hex(4)}x"
    hidden = f"hidden{secrets.token_hex(4)}x"
    for person in people:
        person.api.status_post(f"everyone talks about #{hot}")
        person.api.status_post(f"only followers hear #{hidden}", visibility="private")
    for _ in range(5):
        people[0].api.status_post(f"just me, again and again #{lonely}")
    trending = trending_tags(people[0])
    assert hot in trending
    assert lonely not in trending and hidden not in trending
    assert int(trending[hot]["history"][0]["accounts"]) == 3
    legacy = http.get("/api/v1/trends", params={"limit": 20})  # pre-3.5 name
    assert legacy.status_code == 200 and isinstance(legacy.json(), list)


def trending_status_ids(user: TestUser | None, clients: Clients) -> set[str]:
    api = user.api if user else clients.anonymous()
    statuses = every_page(lambda offset: api.trending_statuses(limit=40, offset=offset), 40)
    return {status["id"] for status in statuses}


def test_trending_statuses_reflect_interactions(clients: Clients) -> None:
    author, fans = clients.new_user("tsauthor"), [clients.new_user(f"tsfan{i}") for i in range(3)]
    popular = author.api.status_post("a post people like")
    ignored = author.api.status_post("a post only one person likes")
    private = author.api.status_post("followers only", visibility="private")
    for fan in fans:
        fan.api.account_follow(author.id)
        fan.api.status_favourite(popular["id"])
        fan.api.status_favourite(private["id"])
    fans[0].api.status_reblog(popular["id"])
    fans[1].api.status_post("a reply", in_reply_to_id=popular["id"])
    fans[0].api.status_favourite(ignored["id"])
    author.api.status_favourite(ignored["id"])  # one's own like does not count
    found = trending_status_ids(None, clients)
    assert popular["id"] in found
    assert ignored["id"] not in found and private["id"] not in found
    # Someone who blocks the author does not see it trend.
    blocker = clients.new_user("tsblocker")
    blocker.api.account_block(author.id)
    assert popular["id"] not in trending_status_ids(blocker, clients)


def test_announcements_are_empty_and_trend_params_checked(clients: Clients,
                                                          http: httpx.Client) -> None:
    """Trending links themselves are tested with their cards (test_cards.py)."""
    user = clients.new_user("annc")
    assert isinstance(user.api.trending_links(), list)
    assert user.api.announcements() == []
    with pytest.raises(MastodonUnauthorizedError):
        clients.anonymous().announcements()
    for path in ("/api/v1/trends/tags", "/api/v1/trends/statuses", "/api/v1/trends/links"):
        assert http.get(path, params={"limit": "-1"}).status_code == 422, path
        assert http.get(path, params={"offset": "x"}).status_code == 422, path
    with pytest.raises(MastodonError):
        clients.anonymous().preferences()
