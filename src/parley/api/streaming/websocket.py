"""The WebSocket stream endpoint and its subscribe/unsubscribe protocol."""

from __future__ import annotations

import orjson
from starlette.types import Message as AsgiMessage
from starlette.types import Receive, Scope, Send

from parley.api.streaming.access import (
    authenticate_viewer,
    query_of,
    requested_stream,
    websocket_token,
)
from parley.api.streaming.connection import Connection
from parley.errors import ParleyError
from parley.streaming import channels


class SocketConnection(Connection):
    __slots__ = ()

    async def write(self, stream: channels.Stream, event: str, payload: str) -> None:
        """Mastodon's WebSocket message: the stream name, event and payload (JSON text)."""
        await self.send({"type": "websocket.send", "text": orjson.dumps(
            {"stream": stream.name, "event": event, "payload": payload}).decode()})

    async def close_slow(self) -> None:
        await self.send({"type": "websocket.close", "code": 1013})

    async def error(self, message: str) -> None:
        await self.send({"type": "websocket.send",
                         "text": orjson.dumps({"error": message, "status": 400}).decode()})

    async def command(self, text: str) -> None:
        """subscribe / unsubscribe {stream, tag?, list?}; errors are answered, not fatal."""
        try:
            command = orjson.loads(text)
        except orjson.JSONDecodeError:
            command = None
        if not isinstance(command, dict):
            await self.error("Malformed JSON")
            return
        kind, name = command.get("type"), str(command.get("stream", ""))
        tag = str(command["tag"]) if command.get("tag") is not None else None
        list_id = str(command["list"]) if command.get("list") is not None else None
        try:
            if kind in ("subscribe", "unsubscribe"):
                stream = channels.resolve(name, self.viewer_id, tag=tag, list_id=list_id)
                if kind == "subscribe":
                    await self.open(stream)
                else:
                    self.close_stream(stream)
        except ParleyError as exc:
            await self.error(exc.message)


async def websocket_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    """One WebSocket client for its whole life: this task reads commands; writers write."""
    if (await receive())["type"] != "websocket.connect":
        return
    state = scope["app"].state
    query = query_of(scope)
    token, subprotocol = websocket_token(scope, query)
    try:
        viewer_id = await authenticate_viewer(state.db, token)
    except ParleyError:
        await send({"type": "websocket.close", "code": 4001})  # before accept: a 403
        return
    await send({"type": "websocket.accept", "subprotocol": subprotocol})
    connection = SocketConnection(state.db, state.broker, viewer_id, send)
    try:
        if query.get("stream"):
            try:
                await connection.open(requested_stream(query, query["stream"], viewer_id))
            except ParleyError as exc:
                await connection.error(exc.message)
        del query  # an idle connection keeps only what it needs
        while True:
            message: AsgiMessage = await receive()
            if message["type"] != "websocket.receive":
                return
            text = message.get("text")
            if text is None and message.get("bytes") is not None:
                text = message["bytes"].decode(errors="replace")
            await connection.command(text or "")
    finally:
        await connection.stop()
