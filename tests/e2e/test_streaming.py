"""Live conversations through Mastodon.py's streaming listener (server-sent events) and a
raw WebSocket client: replies, mentions and deletions arrive live, to the right people only."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import websockets
from mastodon import Mastodon

from support.clients import Clients, TestUser, eventually
from support.streams import streaming


def test_health(http: httpx.Client) -> None:
    response = http.get("/api/v1/streaming/health")
    assert response.status_code == 200 and response.text == "OK"


def test_twenty_four_replies_arrive_live_in_order(clients: Clients) -> None:
    author = clients.new_user("frustrated")
    root = author.api.status_post("Frustrated.")
    repliers = [clients.new_user("carer") for _ in range(24)]
    with streaming(author.api.stream_user) as recorder:
        replies = [replier.api.status_post(f"@{author.username} what happened?",
                                           in_reply_to_id=root["id"]) for replier in repliers]
        assert eventually(lambda: len(recorder.of("notification")) >= 24, timeout=20)
    notifications = recorder.of("notification")
    assert len(notifications) == 24
    assert [n["type"] for n in notifications] == ["mention"] * 24
    assert [n["status"]["id"] for n in notifications] == [r["id"] for r in replies]
    assert len({n["id"] for n in notifications}) == 24


def test_home_stream_gets_followees_posts_after_fanout(clients: Clients) -> None:
    reader, friend, stranger = (clients.new_user("reader"), clients.new_user("friend"),
                                clients.new_user("stranger"))
    reader.api.account_follow(friend.id)
    with streaming(reader.api.stream_user) as recorder:
        stranger.api.status_post("not for you")
        post = friend.api.status_post("hello followers", visibility="private")
        assert eventually(lambda: recorder.of("update"), timeout=10)
        friend.api.status_delete(post["id"])
        assert eventually(lambda: recorder.of("delete"), timeout=10)
    assert [s["id"] for s in recorder.of("update")] == [post["id"]]
    assert [str(d) for d in recorder.of("delete")] == [post["id"]]
    assert all(s["id"] != post["id"] for s in reader.api.timeline_home())


def test_public_and_hashtag_streams_carry_public_posts_only(clients: Clients) -> None:
    poster = clients.new_user("poster")
    anonymous: Mastodon = clients.anonymous()
    with streaming(anonymous.stream_public) as public, \
            streaming(lambda listener, **kw: anonymous.stream_hashtag("parleytest", listener,
                                                                      **kw)) as tagged:
        poster.api.status_post("quiet #parleytest", visibility="unlisted")
        poster.api.status_post("only followers #parleytest", visibility="private")
        loud = poster.api.status_post("hello world #parleytest")
        assert eventually(lambda: public.of("update") and tagged.of("update"), timeout=10)
    assert [s["id"] for s in public.of("update")] == [loud["id"]]
    assert [s["id"] for s in tagged.of("update")] == [loud["id"]]


def test_blocked_or_private_content_is_not_streamed_to_others(clients: Clients) -> None:
    author, outsider = clients.new_user("private"), clients.new_user("outsider")
    with streaming(outsider.api.stream_user) as recorder:
        secret = author.api.status_post(f"@{outsider.username} secret", visibility="private")
        author.api.status_post("followers only", visibility="private")
        marker = author.api.status_post(f"@{outsider.username} public hello")
        assert eventually(lambda: any(n["status"]["id"] == marker["id"]
                                      for n in recorder.of("notification")), timeout=10)
    # The private post mentioning the outsider is visible to them (a mention), so both arrive;
    # the followers-only post without a mention never does.
    statuses = [n["status"]["id"] for n in recorder.of("notification")]
    assert statuses == [secret["id"], marker["id"]]
    assert recorder.of("update") == []


async def _websocket_events(url: str, token: str, poster: TestUser, count: int
                            ) -> list[dict[str, Any]]:
    async with websockets.connect(url, subprotocols=[token]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "subscribe", "stream": "user"}))
        await socket.send(json.dumps({"type": "subscribe", "stream": "hashtag", "tag": "ws"}))
        await socket.send("not json")
        await asyncio.sleep(0.3)
        await asyncio.to_thread(poster.api.status_post, "over the socket #ws")
        messages = []
        while len(messages) < count:
            messages.append(json.loads(await asyncio.wait_for(socket.recv(), 10)))
        return messages


def test_websocket_subscribe_messages(clients: Clients) -> None:
    reader, poster = clients.new_user("wsreader"), clients.new_user("wsposter")
    reader.api.account_follow(poster.id)
    url = clients.server.base_url.replace("http://", "ws://") + "/api/v1/streaming"
    messages = asyncio.run(_websocket_events(url, reader.api.access_token, poster, 3))
    assert messages[0] == {"error": "Malformed JSON", "status": 400}
    streams = sorted(tuple(m["stream"]) for m in messages[1:])
    assert streams == [("hashtag", "ws"), ("user",)]
    for message in messages[1:]:
        assert message["event"] == "update"
        assert json.loads(message["payload"])["content"].startswith("<p>over the socket")


def test_streams_need_a_valid_token(http: httpx.Client) -> None:
    assert http.get("/api/v1/streaming/user").status_code == 401
    response = http.get("/api/v1/streaming/user", headers={"authorization": "Bearer bad"})
    assert response.status_code == 401
    assert http.get("/api/v1/streaming/nonsense").status_code == 404
    assert http.get("/api/v1/streaming/hashtag").status_code == 422


def test_list_stream_is_for_its_owner(clients: Clients, http: httpx.Client) -> None:
    owner, member, other = (clients.new_user("listowner"), clients.new_user("member"),
                            clients.new_user("snoop"))
    owner.api.account_follow(member.id)
    friends = owner.api.list_create("friends")
    owner.api.list_accounts_add(friends["id"], [member.id])
    with streaming(lambda listener, **kw: owner.api.stream_list(friends["id"], listener,
                                                                 **kw)) as recorder:
        post = member.api.status_post("to my listeners")
        assert eventually(lambda: recorder.of("update"), timeout=10)
    assert [s["id"] for s in recorder.of("update")] == [post["id"]]
    response = http.get("/api/v1/streaming/list", params={"list": friends["id"]},
                        headers={"authorization": f"Bearer {other.api.access_token}"})
    assert response.status_code == 404


def test_blocked_and_muted_accounts_never_reach_a_stream(clients: Clients) -> None:
    viewer, blocked, muted, blocker, friend = (
        clients.new_user("gatekeeper"), clients.new_user("blocked"), clients.new_user("muted"),
        clients.new_user("blocker"), clients.new_user("friendly"))
    viewer.api.account_block(blocked.id)
    viewer.api.account_mute(muted.id)
    blocker.api.account_block(viewer.id)
    with streaming(viewer.api.stream_public) as recorder:
        for user in (blocked, muted, blocker):
            user.api.status_post(f"from {user.username}")
        marker = friend.api.status_post("from a friend")
        assert eventually(lambda: recorder.of("update"), timeout=10)
    assert [s["id"] for s in recorder.of("update")] == [marker["id"]]


def test_filters_changed_reaches_the_user_stream(clients: Clients) -> None:
    user = clients.new_user("filterer")
    with streaming(user.api.stream_user) as recorder:
        user.api.create_filter_v2("spoilers", ["home"], filter_action="warn", keywords_attributes=[
            {"keyword": "finale", "whole_word": True}])
        assert eventually(lambda: recorder.of("filters_changed"), timeout=10)


def test_direct_message_reaches_participants_direct_streams_only(clients: Clients) -> None:
    sender, friend, outsider = (clients.new_user("dmsender"), clients.new_user("dmfriend"),
                                clients.new_user("dmoutsider"))
    friend.api.account_follow(sender.id)  # so the policy does not hold it as a request
    with streaming(friend.api.stream_direct) as received, \
            streaming(outsider.api.stream_direct) as outside, \
            streaming(outsider.api.stream_public) as public:
        dm = sender.api.status_post(f"@{friend.username} just between us", visibility="direct")
        assert eventually(lambda: received.of("conversation"), timeout=10)
    [conversation] = received.of("conversation")
    assert conversation["last_status"]["id"] == dm["id"]
    assert [a["id"] for a in conversation["accounts"]] == [sender.id]
    assert outside.events == [] and public.events == []
