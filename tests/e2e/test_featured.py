"""Pinned statuses and endorsed accounts through Mastodon.py."""

from __future__ import annotations

import httpx
import pytest
from mastodon import MastodonError, MastodonNotFoundError

from support.clients import Clients, TestUser


def auth(user: TestUser) -> dict[str, str]:
    return {"authorization": f"Bearer {user.api.access_token}"}


def pinned_ids(viewer: TestUser | None, account: TestUser, clients: Clients) -> list[str]:
    api = viewer.api if viewer else clients.anonymous()
    return [status["id"] for status in api.account_statuses(account.id, pinned=True)]


def test_pins_order_limit_and_viewer_flag(clients: Clients) -> None:
    author, reader = clients.new_user("pinner"), clients.new_user("pinreader")
    posts = [author.api.status_post(f"post {i}") for i in range(6)]
    for post in posts[:5]:
        pinned = author.api.status_pin(post["id"])
        assert pinned["pinned"] is True
    assert author.api.status_pin(posts[0]["id"])["pinned"] is True  # again: still 5 pins
    with pytest.raises(MastodonError):
        author.api.status_pin(posts[5]["id"])
    # Newest pin first, for anyone.
    expected = [post["id"] for post in reversed(posts[:5])]
    assert pinned_ids(reader, author, clients) == expected
    assert pinned_ids(None, author, clients) == expected
    own = author.api.account_statuses(author.id, pinned=True)
    assert all(status["pinned"] for status in own)
    # `pinned` is the viewer's own pin: false for someone else looking.
    assert author.api.status(posts[0]["id"])["pinned"] is True
    assert reader.api.status(posts[0]["id"])["pinned"] is False
    assert author.api.status(posts[5]["id"])["pinned"] is False
    # The ordinary account timeline is unchanged by pins.
    assert len(author.api.account_statuses(author.id, limit=40)) == 6
    unpinned = author.api.status_unpin(posts[2]["id"])
    assert unpinned["pinned"] is False
    assert posts[2]["id"] not in pinned_ids(reader, author, clients)
    assert author.api.status_pin(posts[5]["id"])["pinned"] is True
    assert pinned_ids(reader, author, clients)[0] == posts[5]["id"]
    author.api.status_delete(posts[5]["id"])
    assert posts[5]["id"] not in pinned_ids(reader, author, clients)


def test_what_cannot_be_pinned(clients: Clients, http: httpx.Client) -> None:
    author, other, follower = (clients.new_user("pinbad"), clients.new_user("pinother"),
                               clients.new_user("pinfollower"))
    theirs = other.api.status_post("not yours")
    with pytest.raises(MastodonError):
        author.api.status_pin(theirs["id"])
    repost = author.api.status_reblog(theirs["id"])
    with pytest.raises(MastodonError):
        author.api.status_pin(repost["id"])
    direct = author.api.status_post(f"@{other.username} psst", visibility="direct")
    with pytest.raises(MastodonError):
        author.api.status_pin(direct["id"])
    with pytest.raises(MastodonNotFoundError):
        author.api.status_pin("99999999")
    # A pinned followers-only post shows only to those who may see it.
    follower.api.account_follow(author.id)
    private = author.api.status_post("for followers", visibility="private")
    author.api.status_pin(private["id"])
    assert pinned_ids(follower, author, clients) == [private["id"]]
    assert pinned_ids(other, author, clients) == []
    assert pinned_ids(None, author, clients) == []
    assert http.post(f"/api/v1/statuses/{private['id']}/pin").status_code == 401
    response = http.post("/api/v1/statuses/abc/pin", headers=auth(author))
    assert response.status_code == 404
    reader = clients.new_user("pinreadonly", scopes=["read"])
    with pytest.raises(MastodonError):
        reader.api.status_pin(private["id"])


def test_endorsements(clients: Clients, http: httpx.Client) -> None:
    user, friend, stranger = (clients.new_user("endorser"), clients.new_user("endfriend"),
                              clients.new_user("endstranger"))
    with pytest.raises(MastodonError):
        user.api.account_pin(stranger.id)  # must follow first
    with pytest.raises(MastodonError):
        user.api.account_pin(user.id)
    user.api.account_follow(friend.id)
    rel = user.api.account_pin(friend.id)
    assert rel["endorsed"] is True and rel["following"] is True
    assert user.api.account_relationships([friend.id])[0]["endorsed"] is True
    assert user.api.account_relationships([stranger.id])[0]["endorsed"] is False
    assert [account["id"] for account in user.api.endorsements()] == [friend.id]
    public = http.get(f"/api/v1/accounts/{user.id}/endorsements").json()
    assert [account["id"] for account in public] == [friend.id]
    # Mastodon 4.4's names for the same thing.
    response = http.post(f"/api/v1/accounts/{friend.id}/unendorse", headers=auth(user))
    assert response.json()["endorsed"] is False
    response = http.post(f"/api/v1/accounts/{friend.id}/endorse", headers=auth(user))
    assert response.json()["endorsed"] is True
    # Unfollowing ends the endorsement.
    user.api.account_unfollow(friend.id)
    assert user.api.endorsements() == []
    assert user.api.account_relationships([friend.id])[0]["endorsed"] is False
    user.api.account_follow(friend.id)
    assert user.api.endorsements() == []
    assert user.api.account_unpin(friend.id)["endorsed"] is False
    assert http.get("/api/v1/endorsements").status_code == 401
    assert http.post("/api/v1/accounts/abc/pin", headers=auth(user)).status_code == 404
    assert http.get("/api/v1/accounts/999/endorsements").status_code == 404
