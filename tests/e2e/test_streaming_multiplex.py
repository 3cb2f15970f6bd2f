"""Several subscriptions on one WebSocket, as Mastodon multiplexes them: streams that share a
broker channel (`user` and `user:notification` both carry notifications) each get their own
copy, tagged with their own `stream`; unsubscribing one leaves the others working."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets

from support.clients import Clients, TestUser

Socket = Any  # websockets' client connection


async def _command(socket: Socket, **command: str) -> None:
    """Send a command and wait until the server has handled it: commands are handled in
    order, and a malformed one is answered, so its answer marks the end of the first."""
    await socket.send(json.dumps(command))
    await socket.send("not json")
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), 10))
        if message.get("error") == "Malformed JSON":
            return
        raise AssertionError(f"unexpected message before the command was handled: {message}")


async def _until_marker(socket: Socket, tag: str) -> list[tuple[tuple[str, ...], str]]:
    """The (stream, event) of every message up to and including the marker post on #tag's
    stream, which the poster sends last."""
    seen = []
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), 10))
        seen.append((tuple(message["stream"]), message["event"]))
        if message["stream"] == ["hashtag", tag]:
            return seen


async def _scenario(url: str, reader: TestUser, poster: TestUser, first: str, second: str,
                    tag: str) -> list[list[tuple[tuple[str, ...], str]]]:
    rounds = []

    async def mention_then_marker(socket: Socket) -> None:
        await asyncio.to_thread(poster.api.status_post, f"@{reader.username} hello")
        await asyncio.to_thread(poster.api.status_post, f"marker #{tag}")
        rounds.append(await _until_marker(socket, tag))

    async with websockets.connect(url, subprotocols=[reader.api.access_token]) as socket:  # type: ignore[list-item]
        await _command(socket, type="subscribe", stream="hashtag", tag=tag)
        await _command(socket, type="subscribe", stream=first)
        await _command(socket, type="subscribe", stream=second)
        await mention_then_marker(socket)
        await _command(socket, type="unsubscribe", stream=first)
        await mention_then_marker(socket)
        await _command(socket, type="subscribe", stream=first)
        await _command(socket, type="unsubscribe", stream=second)
        await mention_then_marker(socket)
        await _command(socket, type="unsubscribe", stream=first)
        await mention_then_marker(socket)
    return rounds


@pytest.mark.parametrize("first, second", [("user", "user:notification"),
                                           ("user:notification", "user")])
def test_streams_sharing_a_channel_each_get_their_copy(clients: Clients, first: str,
                                                       second: str) -> None:
    reader, poster = clients.new_user("mux"), clients.new_user("muxposter")
    tag = f"mux{reader.id}"
    url = clients.server.base_url.replace("http://", "ws://") + "/api/v1/streaming"
    rounds = asyncio.run(_scenario(url, reader, poster, first, second, tag))
    marker = (("hashtag", tag), "update")
    both, only_second, only_first, none = rounds
    assert sorted(both) == sorted([((first,), "notification"), ((second,), "notification"),
                                   marker])
    assert only_second == [((second,), "notification"), marker]
    assert only_first == [((first,), "notification"), marker]
    assert none == [marker]


def test_the_same_stream_twice_is_one_subscription(clients: Clients) -> None:
    reader, poster = clients.new_user("muxtwice"), clients.new_user("muxtwiceposter")
    tag = f"twice{reader.id}"
    url = clients.server.base_url.replace("http://", "ws://") + "/api/v1/streaming"

    async def run() -> list[tuple[tuple[str, ...], str]]:
        async with websockets.connect(url, subprotocols=[reader.api.access_token]) as socket:  # type: ignore[list-item]
            await _command(socket, type="subscribe", stream="hashtag", tag=tag)
            await _command(socket, type="subscribe", stream="user:notification")
            await _command(socket, type="subscribe", stream="user:notification")
            await asyncio.to_thread(poster.api.status_post, f"@{reader.username} once")
            await asyncio.to_thread(poster.api.status_post, f"marker #{tag}")
            return await _until_marker(socket, tag)

    assert asyncio.run(run()) == [(("user:notification",), "notification"),
                                  (("hashtag", tag), "update")]
