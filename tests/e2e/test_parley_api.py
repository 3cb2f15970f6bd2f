"""Parley's own API: /api/parley/conversations (threads one takes part in, or among people
one follows, latest reply first) and /api/parley/waiting (unanswered mentions and replies,
oldest first); and profile images through update_credentials."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from support.clients import Clients, TestUser


def get(http: httpx.Client, user: TestUser, path: str, **params: str) -> httpx.Response:
    return http.get(path, params=params,
                    headers={"Authorization": f"Bearer {user.api.access_token}"})


def test_waiting_lists_unanswered_mentions_oldest_first(clients: Clients, http: httpx.Client
                                                        ) -> None:
    me, ann, ben = (clients.new_user("wait") for _ in range(3))
    first = ann.api.status_post(f"@{me.username} first question", visibility="public")
    second = ben.api.status_post(f"@{me.username} second, privately", visibility="direct")
    mine = me.api.status_post("my own thought", visibility="public")
    third = ann.api.status_post("a reply without a mention", in_reply_to_id=mine["id"])
    ben.api.status_post(f"@{ann.username} not about me", visibility="public")
    waiting = get(http, me, "/api/parley/waiting").json()
    assert [s["id"] for s in waiting] == [first["id"], second["id"], third["id"]]
    assert "rel=\"next\"" in get(http, me, "/api/parley/waiting").headers["link"]
    assert [s["id"] for s in get(http, me, "/api/parley/waiting", limit="1").json()] == [
        first["id"]]
    assert [s["id"] for s in get(http, me, "/api/parley/waiting",
                                 min_id=first["id"]).json()] == [second["id"], third["id"]]

    me.api.status_post("answered", in_reply_to_id=first["id"])
    me.api.status_favourite(third["id"])
    dismissed = http.post(f"/api/parley/waiting/{second['id']}/dismiss",
                          headers={"Authorization": f"Bearer {me.api.access_token}"})
    assert dismissed.status_code == 200
    assert get(http, me, "/api/parley/waiting").json() == []
    # Nobody else sees a direct post through it, and undoing a dismissal brings it back.
    assert second["id"] not in {s["id"] for s in get(http, ann, "/api/parley/waiting").json()}
    http.delete(f"/api/parley/waiting/{second['id']}/dismiss",
                headers={"Authorization": f"Bearer {me.api.access_token}"})
    assert [s["id"] for s in get(http, me, "/api/parley/waiting").json()] == [second["id"]]


def test_conversations_latest_reply_first(clients: Clients, http: httpx.Client) -> None:
    me, friend, stranger, other = (clients.new_user("conv") for _ in range(4))
    me.api.account_follow(friend.id)
    mine = me.api.status_post("my thread", visibility="public")
    stranger.api.status_post("reply to me", in_reply_to_id=mine["id"])
    theirs = stranger.api.status_post("a stranger's thread", visibility="public")
    friend.api.status_post("my friend chimes in", in_reply_to_id=theirs["id"])
    lonely = other.api.status_post("nobody I know", visibility="public")
    other.api.status_post("talking to myself", in_reply_to_id=lonely["id"])
    hidden = friend.api.status_post("followers only root", visibility="private")
    other.api.status_post(f"@{friend.username} replying", in_reply_to_id=None)
    conversations = get(http, me, "/api/parley/conversations").json()
    assert [c["id"] for c in conversations] == [theirs["id"], mine["id"]]
    first = conversations[0]
    assert "stranger" in first["root"]["content"]
    assert {a["id"] for a in first["participants"]} == {stranger.id, friend.id}
    assert [s["content"] for s in first["newest"]] == ["<p>my friend chimes in</p>"]
    assert first["posts_count"] == 1
    older = get(http, me, "/api/parley/conversations", max_id=first["last_status_id"]).json()
    assert [c["id"] for c in older] == [mine["id"]]
    assert hidden["id"] not in {c["id"] for c in conversations}
    assert get(http, stranger, "/api/parley/conversations").json()[0]["id"] == theirs["id"]


def test_parley_api_needs_a_token_and_good_ids(clients: Clients, http: httpx.Client) -> None:
    user = clients.new_user("conv")
    reader = clients.new_user("conv", scopes=["read"])
    assert http.get("/api/parley/conversations").status_code == 401
    assert http.get("/api/parley/waiting").status_code == 401
    headers = {"Authorization": f"Bearer {user.api.access_token}"}
    for bad in ("12345", "not-a-number", "99999999999999999999999"):
        response = http.post(f"/api/parley/waiting/{bad}/dismiss", headers=headers)
        assert response.status_code == 404, bad
        assert "error" in response.json()
    assert get(http, user, "/api/parley/conversations", direct="maybe").status_code == 422
    status = user.api.status_post("hello")
    refused = http.post(f"/api/parley/waiting/{status['id']}/dismiss",
                        headers={"Authorization": f"Bearer {reader.api.access_token}"})
    assert refused.status_code == 403


@pytest.mark.parametrize("kind", ["avatar", "header"])
def test_update_credentials_accepts_images(clients: Clients, http: httpx.Client,
                                           kind: str) -> None:
    user = clients.new_user("pic")
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 120, 200)).save(buffer, format="JPEG")
    headers = {"Authorization": f"Bearer {user.api.access_token}"}
    response = http.patch("/api/v1/accounts/update_credentials", headers=headers,
                          files={kind: ("me.jpg", buffer.getvalue(), "image/jpeg")},
                          data={"display_name": "Pictured"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["display_name"] == "Pictured"
    assert f"/media/{kind}s/" in body[kind]
    image = http.get(body[kind])
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    loaded = Image.open(io.BytesIO(image.content))
    assert loaded.size == ((400, 400) if kind == "avatar" else (1500, 500))
    bad = http.patch("/api/v1/accounts/update_credentials", headers=headers,
                     files={kind: ("me.png", b"not an image at all", "image/png")})
    assert bad.status_code == 422 and "image" in bad.json()["error"]
    assert http.get("/media/avatars/..%2F..%2Fparley-test.sqlite3").status_code == 404
