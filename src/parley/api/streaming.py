"""Mastodon streaming API: WebSocket at /api/v1/streaming and server-sent events endpoints."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi import APIRouter, Request, WebSocket, WebSocketDisconnect
from starlette.responses import PlainTextResponse, StreamingResponse

from parley.api.deps import bearer_token
from parley.api.responses import FastJSON
from parley.db import Database
from parley.errors import ParleyError, Unauthorized
from parley.lists.service import get_list
from parley.oauth.scopes import covers
from parley.oauth.tokens import authenticate
from parley.social.exclusions import Excluded, excluded_for
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


async def _authorise(db: Database, stream: channels.Stream, viewer_id: int | None) -> None:
    """A list stream is only for the list's owner (others learn nothing, not even that it
    exists)."""
    if stream.name[0] != "list":
        return
    async with db.read() as session:
        await get_list(session, owner_id=viewer_id or 0, list_id=int(stream.name[1]))


class Gate:
    """Per-connection check that drops posts by accounts the viewer blocks, mutes, is blocked
    by, or whose domain they block. The exclusion set is read when the stream opens and again
    at most every REFRESH seconds, so a new block takes effect within that time."""

    REFRESH = 30.0
    FILTERED_EVENTS = ("update", "status.update")

    def __init__(self, db: Database, viewer_id: int | None) -> None:
        self.db = db
        self.viewer_id = viewer_id
        self.excluded: Excluded | None = None
        self.loaded_at = 0.0

    async def admits(self, event: dict[str, Any]) -> bool:
        if self.viewer_id is None or event.get("event") not in self.FILTERED_EVENTS:
            return True
        author = event.get("account_id")
        if author == self.viewer_id:
            return True
        now = time.monotonic()
        if self.excluded is None or now - self.loaded_at > self.REFRESH:
            async with self.db.read() as session:
                self.excluded = await excluded_for(session, self.viewer_id)
            self.loaded_at = now
        return not self.excluded.hides(author, event.get("domain"))


def _frame(stream: list[str], event: dict[str, Any]) -> str:
    """Mastodon's WebSocket message: the stream name, event and payload (a JSON string)."""
    return orjson.dumps({"stream": stream, "event": event["event"],
                         "payload": event["payload"]}).decode()


class _Socket:
    """One WebSocket client: its subscription and the Mastodon names of its streams."""

    def __init__(self, websocket: WebSocket, broker: Broker, viewer_id: int | None) -> None:
        self.websocket = websocket
        self.subscription = broker.subscribe()
        self.viewer_id = viewer_id
        self.names: dict[str, list[str]] = {}  # channel -> stream name
        self.gate = Gate(websocket.app.state.db, viewer_id)

    async def open(self, stream: str, tag: str | None, list_id: str | None) -> None:
        resolved = channels.resolve(stream, self.viewer_id, tag=tag, list_id=list_id)
        await _authorise(self.websocket.app.state.db, resolved, self.viewer_id)
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
                await self._apply(command)
            except ParleyError as exc:
                await self._error(exc.message)

    async def _apply(self, command: dict[str, object]) -> None:
        kind, stream = command.get("type"), str(command.get("stream", ""))
        tag = str(command["tag"]) if command.get("tag") is not None else None
        list_id = str(command["list"]) if command.get("list") is not None else None
        if kind == "subscribe":
            await self.open(stream, tag, list_id)
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
            event = orjson.loads(message.data)
            if stream is not None and await self.gate.admits(event):
                await self.websocket.send_text(_frame(stream, event))


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
            await client.open(query["stream"], query.get("tag"), query.get("list"))
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


async def _sse(subscription: Subscription, gate: Gate, heartbeat: float
               ) -> AsyncIterator[bytes]:
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
            if not await gate.admits(event):
                continue
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
    await _authorise(request.app.state.db, resolved, viewer_id)
    subscription = request.app.state.broker.subscribe()
    for channel in resolved.channels:
        subscription.add(channel)
    heartbeat = request.app.state.settings.streaming_heartbeat
    gate = Gate(request.app.state.db, viewer_id)
    return StreamingResponse(_sse(subscription, gate, heartbeat),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-store",
                                      "X-Accel-Buffering": "no"})
