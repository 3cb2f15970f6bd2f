"""Mastodon streaming API: WebSocket at /api/v1/streaming and server-sent events endpoints."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import orjson
from fastapi import APIRouter, Request, WebSocket, WebSocketDisconnect
from starlette.responses import PlainTextResponse, StreamingResponse

from parley.api.deps import bearer_token
from parley.api.responses import FastJSON
from parley.db import Database
from parley.errors import ParleyError, Unauthorized
from parley.oauth.scopes import covers
from parley.oauth.tokens import authenticate
from parley.streaming import channels
from parley.streaming.broker import Broker, Message, Subscription

log = logging.getLogger("parley.streaming")
router = APIRouter()


async def _viewer_id(db: Database, token: str | None) -> int | None:
    """The account a streaming token belongs to; a given token must be valid and readable."""
    if token is None:
        return None
    async with db.read() as session:
        auth = await authenticate(session, token)
    if auth is None or auth.account is None:
        raise Unauthorized()
    if not (covers(auth.scopes, "read:statuses") or covers(auth.scopes, "read:notifications")):
        raise Unauthorized("The access token does not allow reading")
    return auth.account.id


def _frame(stream: list[str], data: bytes) -> str:
    """Mastodon's WebSocket message: the stream name, event and payload (a JSON string)."""
    event = orjson.loads(data)
    return orjson.dumps({"stream": stream, "event": event["event"],
                         "payload": event["payload"]}).decode()


class _Socket:
    """One WebSocket client: its subscription and the Mastodon names of its streams."""

    def __init__(self, websocket: WebSocket, broker: Broker, viewer_id: int | None) -> None:
        self.websocket = websocket
        self.subscription = broker.subscribe()
        self.viewer_id = viewer_id
        self.names: dict[str, list[str]] = {}  # channel -> stream name

    def open(self, stream: str, tag: str | None, list_id: str | None) -> None:
        resolved = channels.resolve(stream, self.viewer_id, tag=tag, list_id=list_id)
        for channel in resolved.channels:
            self.names[channel] = resolved.name
            self.subscription.add(channel)

    def close_stream(self, stream: str, tag: str | None, list_id: str | None) -> None:
        resolved = channels.resolve(stream, self.viewer_id, tag=tag, list_id=list_id)
        for channel in resolved.channels:
            self.names.pop(channel, None)
            self.subscription.remove(channel)

    async def read_commands(self) -> None:
        while True:
            try:
                command = orjson.loads(await self.websocket.receive_text())
            except orjson.JSONDecodeError:
                await self._error("Malformed JSON")
                continue
            if not isinstance(command, dict):
                await self._error("Malformed JSON")
                continue
            try:
                self._apply(command)
            except ParleyError as exc:
                await self._error(exc.message)

    def _apply(self, command: dict[str, object]) -> None:
        kind, stream = command.get("type"), str(command.get("stream", ""))
        tag = str(command["tag"]) if command.get("tag") is not None else None
        list_id = str(command["list"]) if command.get("list") is not None else None
        if kind == "subscribe":
            self.open(stream, tag, list_id)
        elif kind == "unsubscribe":
            self.close_stream(stream, tag, list_id)

    async def _error(self, message: str) -> None:
        await self.websocket.send_text(orjson.dumps({"error": message, "status": 400}).decode())

    async def write_events(self) -> None:
        while True:
            message = await self.subscription.get()
            if message is None:  # fell too far behind: close, the client will reconnect
                await self.websocket.close(code=1013)
                return
            stream = self.names.get(message.channel)
            if stream is not None:
                await self.websocket.send_text(_frame(stream, message.data))


def _websocket_token(websocket: WebSocket) -> tuple[str | None, str | None]:
    """(token, subprotocol to echo): header, ?access_token=, or Sec-WebSocket-Protocol."""
    protocol = websocket.headers.get("sec-websocket-protocol")
    if protocol:
        return protocol.split(",")[0].strip(), protocol.split(",")[0].strip()
    header = websocket.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip(), None
    return websocket.query_params.get("access_token"), None


@router.websocket("/api/v1/streaming")
async def websocket_stream(websocket: WebSocket) -> None:
    token, subprotocol = _websocket_token(websocket)
    try:
        viewer_id = await _viewer_id(websocket.app.state.db, token)
    except ParleyError:
        await websocket.close(code=4001)  # before accept: the handshake is refused (403)
        return
    await websocket.accept(subprotocol=subprotocol)
    client = _Socket(websocket, websocket.app.state.broker, viewer_id)
    query = websocket.query_params
    if query.get("stream"):
        try:
            client.open(query["stream"], query.get("tag"), query.get("list"))
        except ParleyError as exc:
            await client._error(exc.message)
    tasks = [asyncio.create_task(client.read_commands()),
             asyncio.create_task(client.write_events())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    except WebSocketDisconnect:
        pass
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await task
        client.subscription.close()


async def _sse(subscription: Subscription, heartbeat: float) -> AsyncIterator[bytes]:
    """Server-sent events with a comment heartbeat, so idle connections stay open."""
    try:
        yield b":)\n\n"
        while True:
            try:
                message: Message | None = await asyncio.wait_for(subscription.get(), heartbeat)
            except TimeoutError:
                yield b":thump\n\n"
                continue
            if message is None:
                return
            event = orjson.loads(message.data)
            yield f"event: {event['event']}\ndata: {event['payload']}\n\n".encode()
    finally:
        subscription.close()


SSE_PATHS = {
    "user": "user", "user/notification": "user:notification", "public": "public",
    "public/local": "public:local", "public/remote": "public:remote", "hashtag": "hashtag",
    "hashtag/local": "hashtag:local", "list": "list", "direct": "direct",
}


@router.get("/api/v1/streaming/health")
async def health(request: Request) -> PlainTextResponse:
    broker: Broker = request.app.state.broker
    ok = await broker.healthy()
    return PlainTextResponse("OK" if ok else "UNAVAILABLE", status_code=200 if ok else 503)


@router.get("/api/v1/streaming/{path:path}", response_model=None)
async def sse_stream(path: str, request: Request) -> StreamingResponse | FastJSON:
    stream = SSE_PATHS.get(path.strip("/"))
    if stream is None:
        return FastJSON({"error": "Unknown stream type"}, status_code=404)
    viewer_id = await _viewer_id(request.app.state.db, bearer_token(request))
    resolved = channels.resolve(stream, viewer_id, tag=request.query_params.get("tag"),
                                list_id=request.query_params.get("list"))
    subscription = request.app.state.broker.subscribe()
    for channel in resolved.channels:
        subscription.add(channel)
    heartbeat = request.app.state.settings.streaming_heartbeat
    return StreamingResponse(_sse(subscription, heartbeat), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store",
                                      "X-Accel-Buffering": "no"})
