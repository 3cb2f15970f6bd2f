"""Mastodon streaming API: WebSocket at /api/v1/streaming and server-sent events endpoints,
served as raw ASGI so an idle connection costs little (issue 4).

An idle connection is its ASGI task waiting for the client to speak or leave, plus a small
Subscription: no StreamingResponse task group, no per-connection timer. Events wake a short
writer task that drains the backlog and ends; SSE heartbeats come from ONE timer per process
that wakes every connection's writer. Each connection keeps its viewer's gate (blocks, mutes,
domain blocks) and keyword filters, loaded when first needed and refreshed when stale or when
`filters_changed` passes through.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import parse_qsl

import orjson
from fastapi import APIRouter, Request
from sqlalchemy import or_, select
from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.types import Message as AsgiMessage

from parley.api.entities.filters import filter_result_entity
from parley.db import Database
from parley.errors import ParleyError, Unauthorized
from parley.filters.matching import ActiveFilter, active_filters, match_post
from parley.lib.sql import alias_of
from parley.lists.fanout import exclusive_listers
from parley.lists.service import get_list
from parley.oauth.scopes import covers
from parley.oauth.tokens import authenticate
from parley.posts.models import Post
from parley.social.exclusions import Excluded, excluded_for
from parley.social.models import Follow
from parley.streaming import channels
from parley.streaming.broker import BroadcastPost, Broker, Message

log = logging.getLogger("parley.streaming")
router = APIRouter()
PREFIX = "/api/v1/streaming"
STATUS_EVENTS = ("update", "status.update")


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


async def local_followers(db: Database, post: BroadcastPost, account_ids: Sequence[int]
                          ) -> Collection[int]:
    """Which of `account_ids` get a broadcast account's post in their home, by the fan-out's
    rules: an accepted follow (showing reposts, for a repost), for a reply to someone else a
    follow of them too, and the author in none of their exclusive lists. The hub's one
    query per broadcast event."""
    follower = Follow.account_id
    query = select(follower).where(
        Follow.target_account_id == post.author_id, Follow.state == "accepted",
        follower.in_(account_ids), ~follower.in_(exclusive_listers(post.author_id)))
    if post.repost:
        query = query.where(Follow.show_reposts.is_(True))
    if post.reply_to_account_id is not None:
        also = alias_of(Follow, "broadcast_reply_follow")  # the outer query reads follows too
        query = query.where(or_(follower == post.reply_to_account_id, follower.in_(
            select(also.account_id).where(also.target_account_id == post.reply_to_account_id,
                                          also.state == "accepted"))))
    async with db.read() as session:
        return set((await session.scalars(query)).all())


def follower_resolver(db: Database
                      ) -> Callable[[BroadcastPost, Sequence[int]], Awaitable[Collection[int]]]:
    """The hub's FollowerResolver over this process's database."""
    async def resolve(post: BroadcastPost, account_ids: Sequence[int]) -> Collection[int]:
        return await local_followers(db, post, account_ids)
    return resolve


@dataclass(slots=True)
class _Text:
    """What keyword matching reads of a Post, taken from a rendered status."""

    id: int
    account_id: int
    spoiler_text: str
    content: str


class Gate:
    """Per-connection view of what the viewer chose not to see: posts by accounts they block,
    mute, are blocked by, or whose domain they block (dropped), and their keyword filters
    (`filtered` results; `hide` drops). Read when first needed; a block, mute or domain block
    made or lifted since resets it at once (the `exclusions` channel), and it is read again
    every REFRESH seconds anyway (timed mutes expire); filters reload on `filters_changed`."""

    REFRESH = 30.0
    FILTERED_EVENTS = STATUS_EVENTS
    __slots__ = ("db", "excluded", "filters", "loaded_at", "viewer_id")

    def __init__(self, db: Database, viewer_id: int | None) -> None:
        self.db = db
        self.viewer_id = viewer_id
        self.excluded: Excluded | None = None
        self.loaded_at = 0.0
        self.filters: dict[str, list[ActiveFilter]] | None = None  # by context

    def _stale(self) -> bool:
        if time.monotonic() - self.loaded_at > self.REFRESH:
            self.excluded, self.filters = None, None
            return True
        return False

    def filters_changed(self) -> None:
        self.filters = None

    def exclusions_changed(self) -> None:
        self.excluded = None

    async def admits(self, event: dict[str, Any]) -> bool:
        if self.viewer_id is None or event.get("event") not in self.FILTERED_EVENTS:
            return True
        author = event.get("account_id")
        if author == self.viewer_id:
            return True
        if self.excluded is None or self._stale():
            async with self.db.read() as session:
                self.excluded = await excluded_for(session, self.viewer_id)
            self.loaded_at = time.monotonic()
        return not self.excluded.hides(author, event.get("domain"))

    async def _filters(self, context: str) -> list[ActiveFilter]:
        assert self.viewer_id is not None
        if self.filters is None:
            self.filters = {}
        found = self.filters.get(context)
        if found is None:
            async with self.db.read() as session:
                found = self.filters[context] = await active_filters(
                    session, self.viewer_id, context)
        return found

    async def filter(self, payload: str, context: str) -> str | None:
        """The status payload with the viewer's matching filters in `filtered`, or None when
        one of them hides it. One's own posts are never filtered; a repost is matched by its
        original."""
        if self.viewer_id is None:
            return payload
        filters = await self._filters(context)
        if not filters:
            return payload
        status = orjson.loads(payload)
        proper = status.get("reblog") or status
        text = _Text(int(proper["id"]), int(proper["account"]["id"]),
                     proper.get("spoiler_text") or "", proper.get("content") or "")
        if text.account_id == self.viewer_id:
            return payload
        matches = match_post(filters, cast(Post, text))  # reads id, spoiler_text, content
        if not matches:
            return payload
        if any(match.hides for match in matches):
            return None
        results = [filter_result_entity(match) for match in matches]
        status["filtered"] = results
        if status.get("reblog"):
            status["reblog"]["filtered"] = results
        return orjson.dumps(status).decode()


class Heartbeats:
    """One timer for all SSE connections of a process: every `interval` seconds it wakes
    each connection's writer to send a comment (proxies drop silent streams)."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.members: set[_Connection] = set()
        self._timer: asyncio.TimerHandle | None = None

    def add(self, connection: _Connection) -> None:
        self.members.add(connection)
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.interval, self._beat)

    def discard(self, connection: _Connection) -> None:
        self.members.discard(connection)

    def _beat(self) -> None:
        self._timer = None
        for connection in list(self.members):
            connection.beat()
        if self.members:
            self._timer = asyncio.get_running_loop().call_later(self.interval, self._beat)


class _Connection:
    """One streaming client: its subscription, the streams it opened (by channel), its gate,
    and the writer task that exists only while there is something to send."""

    __slots__ = (
        "beat_due",
        "db",
        "done",
        "gate",
        "send",
        "streams",
        "subscription",
        "viewer_id",
        "writer",
    )

    def __init__(self, db: Database, broker: Broker, viewer_id: int | None, send: Send) -> None:
        self.db = db
        self.viewer_id = viewer_id
        self.send = send
        self.subscription = broker.subscribe(self._wake)
        if viewer_id is not None:  # a new block or mute must hold from the very next event
            self.subscription.add(channels.exclusions(viewer_id))
        self.streams: dict[str, channels.Stream] = {}
        self.gate = Gate(db, viewer_id)
        self.writer: asyncio.Task[None] | None = None
        self.beat_due = False
        self.done = False

    async def open(self, stream: channels.Stream) -> None:
        await _authorise(self.db, stream, self.viewer_id)
        for channel in stream.channels:
            self.streams[channel] = stream
            self.subscription.add(channel)

    def close_stream(self, stream: channels.Stream) -> None:
        for channel in stream.channels:
            self.streams.pop(channel, None)
            self.subscription.remove(channel)

    def beat(self) -> None:
        self.beat_due = True
        self._wake()

    def _wake(self) -> None:
        if self.writer is None and not self.done:
            self.writer = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        try:
            while not self.done:
                if self.subscription.overflowed:  # fell too far behind: it will reconnect
                    self.done = True
                    await self.close_slow()
                    return
                batch = self.subscription.take()
                beat, self.beat_due = self.beat_due, False
                if not batch and not beat:
                    return
                for message in batch:
                    await self._deliver(message)
                if beat:
                    await self.heartbeat()
        except Exception:  # the client is gone or broke the protocol: end quietly
            log.debug("streaming writer ended", exc_info=True)
            self.done = True
        finally:
            self.writer = None

    async def _deliver(self, message: Message) -> None:
        stream = self.streams.get(message.channel)
        if stream is None:
            if message.channel.startswith("exclusions:"):
                self.gate.exclusions_changed()
            return
        event = orjson.loads(message.data)
        name = event["event"]
        if name == "filters_changed":
            self.gate.filters_changed()
        if not await self.gate.admits(event):
            return
        payload: str | None = event["payload"]
        if stream.context is not None and name in STATUS_EVENTS and payload is not None:
            payload = await self.gate.filter(payload, stream.context)
            if payload is None:
                return
        await self.write(stream, name, payload or "")

    async def stop(self) -> None:
        """The client left (or was closed): unsubscribe and stop writing."""
        self.done = True
        self.subscription.close()
        writer = self.writer
        if writer is not None:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await writer

    async def write(self, stream: channels.Stream, event: str, payload: str) -> None:
        raise NotImplementedError

    async def heartbeat(self) -> None:
        return None

    async def close_slow(self) -> None:
        raise NotImplementedError


# Server-sent events

SSE_PATHS = {
    "user": "user", "user/notification": "user:notification", "public": "public",
    "public/local": "public:local", "public/remote": "public:remote", "hashtag": "hashtag",
    "hashtag/local": "hashtag:local", "list": "list", "direct": "direct",
}
SSE_HEADERS = [(b"content-type", b"text/event-stream; charset=utf-8"),
               (b"cache-control", b"no-store"), (b"x-accel-buffering", b"no")]


class _SSEConnection(_Connection):
    __slots__ = ()

    async def write(self, stream: channels.Stream, event: str, payload: str) -> None:
        await self._body(f"event: {event}\ndata: {payload}\n\n".encode())

    async def heartbeat(self) -> None:
        await self._body(b":thump\n\n")

    async def close_slow(self) -> None:
        await self.send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _body(self, data: bytes) -> None:
        await self.send({"type": "http.response.body", "body": data, "more_body": True})


def _token(scope: Scope, query: dict[str, str]) -> str | None:
    """The Authorization header's bearer token or, as Mastodon allows, ?access_token=."""
    header = Headers(scope=scope).get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return query.get("access_token") or None


async def _json_error(send: Send, status: int, message: str) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": orjson.dumps({"error": message})})


def _heartbeats(state: Any) -> Heartbeats:
    found: Heartbeats | None = getattr(state, "heartbeats", None)
    if found is None:
        found = state.heartbeats = Heartbeats(state.settings.streaming_heartbeat)
    return found


async def _open_sse(scope: Scope, stream_name: str, send: Send) -> _SSEConnection | None:
    """Authenticate and subscribe, or answer the error (401, 404, 422) and return None."""
    state = scope["app"].state
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
    try:
        viewer_id = await _viewer_id(state.db, _token(scope, query))
        stream = channels.resolve(stream_name, viewer_id, tag=query.get("tag"),
                                  list_id=query.get("list"))
        connection = _SSEConnection(state.db, state.broker, viewer_id, send)
        await connection.open(stream)
    except ParleyError as exc:
        await _json_error(send, exc.status_code, exc.message)
        return None
    return connection


async def sse_endpoint(scope: Scope, receive: Receive, send: Send, stream_name: str) -> None:
    """One SSE client for its whole life: the task waits for the client to leave while
    writers (started by events and the shared heartbeat) write."""
    connection = await _open_sse(scope, stream_name, send)
    if connection is None:
        return
    heartbeats = _heartbeats(scope["app"].state)
    try:
        await send({"type": "http.response.start", "status": 200, "headers": SSE_HEADERS})
        await send({"type": "http.response.body", "body": b":)\n\n", "more_body": True})
        heartbeats.add(connection)
        while (await receive())["type"] != "http.disconnect":
            pass
    finally:
        heartbeats.discard(connection)
        await connection.stop()


# WebSocket


class _SocketConnection(_Connection):
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


def _websocket_token(scope: Scope, query: dict[str, str]) -> tuple[str | None, str | None]:
    """(token, subprotocol to echo): Sec-WebSocket-Protocol, header, or ?access_token=."""
    headers = Headers(scope=scope)
    protocol = headers.get("sec-websocket-protocol")
    if protocol:
        first = protocol.split(",")[0].strip()
        return first, first
    header = headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip(), None
    return query.get("access_token"), None


async def websocket_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    """One WebSocket client for its whole life: this task reads commands; writers write."""
    if (await receive())["type"] != "websocket.connect":
        return
    state = scope["app"].state
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
    token, subprotocol = _websocket_token(scope, query)
    try:
        viewer_id = await _viewer_id(state.db, token)
    except ParleyError:
        await send({"type": "websocket.close", "code": 4001})  # before accept: a 403
        return
    await send({"type": "websocket.accept", "subprotocol": subprotocol})
    connection = _SocketConnection(state.db, state.broker, viewer_id, send)
    try:
        if query.get("stream"):
            try:
                await connection.open(channels.resolve(
                    query["stream"], viewer_id, tag=query.get("tag"), list_id=query.get("list")))
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


class StreamingEndpoints:
    """Serves the streaming paths before FastAPI's middleware and routing, whose frames (and
    request objects) would otherwise live as long as each connection. Paths may end in a
    slash; the rest of the application is `app`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if path.startswith(PREFIX) and "\x00" not in path:
            rest = path[len(PREFIX):].strip("/")
            if scope["type"] == "websocket" and rest == "":
                await websocket_endpoint(scope, receive, send)
                return
            if scope["type"] == "http" and rest != "health" and scope["method"] == "GET":
                stream = SSE_PATHS.get(rest)
                if stream is None:
                    await _json_error(send, 404, "Unknown stream type")
                else:
                    await sse_endpoint(scope, receive, send, stream)
                return
        await self.app(scope, receive, send)


@router.get("/api/v1/streaming/health")
async def health(request: Request) -> PlainTextResponse:
    broker: Broker = request.app.state.broker
    ok = await broker.healthy()
    return PlainTextResponse("OK" if ok else "UNAVAILABLE", status_code=200 if ok else 503)
