"""Follows through Mastodon.py: follow, unfollow, locked accounts, lists and relationships."""

from __future__ import annotations

import httpx
import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from support.clients import Clients


def test_follow_and_unfollow_keep_counters_right(clients: Clients) -> None:
    alice, bob = clients.new_user("alice"), clients.new_user("bob")
    rel = bob.api.account_follow(alice.id)
    assert rel["following"] is True and rel["requested"] is False
    assert bob.api.account(alice.id)["followers_count"] == 1
    assert bob.api.me()["following_count"] == 1
    assert [a["id"] for a in bob.api.account_followers(alice.id)] == [bob.id]
    assert [a["id"] for a in alice.api.account_following(bob.id)] == [alice.id]
    [mine] = alice.api.account_relationships([bob.id])
    assert mine["followed_by"] is True and mine["following"] is False
    again = bob.api.account_follow(alice.id)  # following twice changes nothing
    assert again["following"] is True
    assert bob.api.account(alice.id)["followers_count"] == 1
    rel = bob.api.account_unfollow(alice.id)
    assert rel["following"] is False
    assert bob.api.account(alice.id)["followers_count"] == 0
    assert bob.api.me()["following_count"] == 0
    assert bob.api.account_unfollow(alice.id)["following"] is False  # idempotent


def test_locked_account_gets_a_request(clients: Clients) -> None:
    author, fan, other = (clients.new_user("locked"), clients.new_user("fan"),
                          clients.new_user("other"))
    author.api.account_update_credentials(locked=True)
    rel = fan.api.account_follow(author.id)
    assert rel["following"] is False and rel["requested"] is True
    other.api.account_follow(author.id)
    assert author.api.me()["source"]["follow_requests_count"] == 2
    requests = author.api.follow_requests()
    assert {a["id"] for a in requests} == {fan.id, other.id}
    assert author.api.me()["followers_count"] == 0
    accepted = author.api.follow_request_authorize(fan.id)
    assert accepted["followed_by"] is True
    author.api.follow_request_reject(other.id)
    assert author.api.follow_requests() == []
    assert fan.api.account_relationships([author.id])[0]["following"] is True
    assert other.api.account_relationships([author.id])[0]["requested"] is False
    assert author.api.me()["followers_count"] == 1
    with pytest.raises(MastodonNotFoundError):
        author.api.follow_request_authorize(other.id)


def test_twenty_five_new_follows(clients: Clients) -> None:
    star = clients.new_user("star")
    fans = [clients.new_user("follower") for _ in range(25)]
    for fan in fans:
        fan.api.account_follow(star.id)
    assert star.api.me()["followers_count"] == 25
    first = star.api.account_followers(star.id, limit=10)
    assert len(first) == 10
    everyone = star.api.fetch_remaining(first)
    assert {a["id"] for a in everyone} == {fan.id for fan in fans}
    assert [a["id"] for a in everyone][:3] == [fans[-1].id, fans[-2].id, fans[-3].id]


def test_follow_errors(clients: Clients, http: httpx.Client) -> None:
    user = clients.new_user("errs")
    with pytest.raises(MastodonAPIError):
        user.api.account_follow(user.id)
    with pytest.raises(MastodonNotFoundError):
        user.api.account_follow("999999")
    assert http.post(f"/api/v1/accounts/{user.id}/follow").status_code == 401
    reader = clients.new_user("reader", scopes=["read"])
    with pytest.raises(MastodonAPIError) as forbidden:
        reader.api.account_follow(user.id)
    assert "scope" in str(forbidden.value)


def test_relationships_for_many_accounts(clients: Clients) -> None:
    me, a, b = clients.new_user("me"), clients.new_user("a"), clients.new_user("b")
    me.api.account_follow(a.id)
    b.api.account_follow(me.id)
    rels = me.api.account_relationships([a.id, b.id, "123"])
    assert [r["id"] for r in rels] == [a.id, b.id, "123"]
    assert rels[0]["following"] and not rels[0]["followed_by"]
    assert rels[1]["followed_by"] and not rels[1]["following"]
