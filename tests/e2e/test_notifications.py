"""Notifications through Mastodon.py: listing, filters, paging, reading, dismissing, clearing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from mastodon import Mastodon, MastodonAPIError, MastodonNotFoundError

from support.clients import Clients, TestUser, eventually


def kinds(notifications: Any) -> list[str]:
    return [n["type"] for n in notifications]


def bearer(user: TestUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.api.access_token}"}


def narrowed(clients: Clients, user: TestUser, scopes: list[str]) -> Mastodon:
    """A second client for `user` whose token holds only `scopes`."""
    api = clients.mastodon()
    api.log_in(username=f"{user.username}@example.com", password=user.password, scopes=scopes,
               allow_http=True)
    return api


def test_list_filter_get_dismiss_and_clear(clients: Clients) -> None:
    me, fan, other = clients.new_user("me"), clients.new_user("nfan"), clients.new_user("noth")
    fan.api.account_follow(me.id)
    post = me.api.status_post("something to like")
    mention = fan.api.status_post(f"@{me.username} hello there")
    other.api.status_favourite(post["id"])
    other.api.status_reblog(post["id"])
    expected = ["reblog", "favourite", "mention", "follow"]
    assert eventually(lambda: kinds(me.api.notifications()) == expected)
    notes = me.api.notifications()
    by_type = {n["type"]: n for n in notes}
    assert by_type["mention"]["status"]["id"] == mention["id"]
    assert by_type["favourite"]["status"]["id"] == post["id"]
    assert by_type["reblog"]["status"]["id"] == post["id"]
    assert by_type["follow"].get("status") is None
    assert by_type["follow"]["account"]["id"] == fan.id
    # Likes, reposts and follows carry their group's key; a mention outside a reply does not.
    assert by_type["favourite"]["group_key"].startswith(f"favourite-{post['id']}-")
    assert by_type["reblog"]["group_key"].startswith(f"reblog-{post['id']}-")
    assert by_type["follow"]["group_key"].startswith("follow--")
    assert by_type["mention"]["group_key"] == f"ungrouped-{by_type['mention']['id']}"
    assert kinds(me.api.notifications(types=["mention", "follow"])) == ["mention", "follow"]
    assert kinds(me.api.notifications(exclude_types=["follow", "mention"])) == expected[:2]
    assert kinds(me.api.notifications(account_id=other.id)) == ["reblog", "favourite"]
    one = me.api.notifications(id=by_type["mention"]["id"])
    assert one["type"] == "mention" and one["status"]["id"] == mention["id"]
    me.api.notifications_dismiss(by_type["mention"]["id"])
    with pytest.raises(MastodonNotFoundError):
        me.api.notifications(id=by_type["mention"]["id"])
    assert kinds(me.api.notifications()) == ["reblog", "favourite", "follow"]
    me.api.notifications_clear()
    assert me.api.notifications() == []
    assert kinds(fan.api.notifications()) == []  # the others' lists are their own


def test_paging_with_link_headers(clients: Clients, http: httpx.Client) -> None:
    star = clients.new_user("nstar")
    fans = [clients.new_user("nf") for _ in range(3)]
    for fan in fans:
        fan.api.account_follow(star.id)
    first = star.api.notifications(limit=2)
    assert [n["account"]["id"] for n in first] == [fans[2].id, fans[1].id]
    rest = star.api.fetch_next(first)
    assert rest is not None and [n["account"]["id"] for n in rest] == [fans[0].id]
    newer = star.api.notifications(min_id=rest[0]["id"], limit=1)
    assert [n["id"] for n in newer] == [first[1]["id"]]
    assert [n["id"] for n in star.api.notifications(since_id=rest[0]["id"])] == [
        n["id"] for n in first]
    raw = http.get("/api/v1/notifications", params={"limit": 1}, headers=bearer(star))
    assert f"max_id={first[0]['id']}" in raw.headers["link"]
    single = http.get("/api/v1/notifications", params={"types": "follow"},
                      headers=bearer(star))
    assert kinds(single.json()) == ["follow"] * 3


def test_subscribers_hear_of_new_posts(clients: Clients) -> None:
    author, subscriber, plain, other = (clients.new_user("nauth"), clients.new_user("nsub"),
                                        clients.new_user("nplain"), clients.new_user("noth"))
    subscriber.api.account_follow(author.id, notify=True)
    plain.api.account_follow(author.id)
    root = other.api.status_post("someone else's post")
    author.api.status_post(f"@{other.username} a reply to someone else",
                           in_reply_to_id=root["id"])
    post = author.api.status_post("news for my subscribers")
    assert eventually(lambda: "status" in kinds(subscriber.api.notifications()))
    statuses = subscriber.api.notifications(types=["status"])
    assert [n["status"]["id"] for n in statuses] == [post["id"]]
    assert kinds(plain.api.notifications()) == []


def test_notification_about_a_post_no_longer_visible_is_skipped(clients: Clients) -> None:
    me, friend = clients.new_user("nviewer"), clients.new_user("nquoter")
    me.api.account_follow(friend.id)
    mine = me.api.status_post("quote me")
    quote = friend.api.status_post("private thoughts on this", visibility="private",
                                   quoted_status_id=mine["id"])
    assert eventually(lambda: "quote" in kinds(me.api.notifications()))
    [note] = [n for n in me.api.notifications() if n["type"] == "quote"]
    assert note["status"]["id"] == quote["id"]
    me.api.account_unfollow(friend.id)
    assert "quote" not in kinds(me.api.notifications())
    with pytest.raises(MastodonNotFoundError):
        me.api.notifications(id=note["id"])


def test_notification_bad_input(clients: Clients, http: httpx.Client) -> None:
    me, other = clients.new_user("nbad"), clients.new_user("nbad")
    other.api.account_follow(me.id)
    [note] = me.api.notifications()
    for path in ("/api/v1/notifications", f"/api/v1/notifications/{note['id']}"):
        assert http.get(path).status_code == 401
    assert http.post("/api/v1/notifications/clear").status_code == 401
    for bad in ("abc", "999999", "99999999999999999999", note["id"]):
        who = other if bad == note["id"] else me
        response = http.get(f"/api/v1/notifications/{bad}", headers=bearer(who))
        assert response.status_code == 404 and "error" in response.json()
        dismissed = http.post(f"/api/v1/notifications/{bad}/dismiss", headers=bearer(who))
        assert dismissed.status_code == 404
    assert http.get("/api/v1/notifications", params={"account_id": "abc"},
                    headers=bearer(me)).json() == []
    odd = http.get("/api/v1/notifications", params={"limit": "x", "max_id": "y", "zz": "1"},
                   headers=bearer(me))
    assert odd.status_code == 200 and kinds(odd.json()) == ["follow"]
    with pytest.raises(MastodonAPIError) as forbidden:
        narrowed(clients, me, ["read"]).notifications_clear()
    assert "scope" in str(forbidden.value)
    writer = narrowed(clients, me, ["write"])
    refused = http.get("/api/v1/notifications",
                       headers={"Authorization": f"Bearer {writer.access_token}"})
    assert refused.status_code == 403 and "scope" in refused.json()["error"]
    assert kinds(me.api.notifications()) == ["follow"]
