"""Server-sent events streams: opening one, writing its events, heartbeats and errors."""

from __future__ import annotations

import orjson
from starlette.requests import HTTPConnection
from starlette.types import Receive, Scope, Send

from parley.api.errors import error_response
from parley.api.streaming.access import authenticate_viewer, query_of, requested_stream
from parley.api.streaming.connection import Connection
from parley.api.streaming.heartbeats import heartbeats_of
from parley.errors import ParleyError
from parley.http.auth import bearer_token
from parley.http.errors import render_failure
from parley.store.faults import store_failure
from parley.streaming import channels

SSE_HEADERS = [(b"content-type", b"text/event-stream; charset=utf-8"),
               (b"cache-control", b"no-store"), (b"x-accel-buffering", b"no")]


class SSEConnection(Connection):
    __slots__ = ()

    async def write(self, stream: channels.Stream, event: str, payload: str) -> None:
        await self._body(f"event: {event}\ndata: {payload}\n\n".encode())

    async def heartbeat(self) -> None:
        await self._body(b":thump\n\n")

    async def close_slow(self) -> None:
        await self.send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _body(self, data: bytes) -> None:
        await self.send({"type": "http.response.body", "body": data, "more_body": True})


async def json_error(send: Send, status: int, message: str) -> None:
    """A Mastodon JSON error response, sent as raw ASGI."""
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": orjson.dumps({"error": message})})


async def _open_sse(scope: Scope, receive: Receive, stream_name: str, send: Send
                    ) -> SSEConnection | None:
    """Authenticate and subscribe, or answer the error (401, 404, 422; 503 with the database
    out of reach) and return None."""
    state = scope["app"].state
    query = query_of(scope)
    try:
        viewer_id = await authenticate_viewer(state.db, bearer_token(HTTPConnection(scope)))
        stream = requested_stream(query, stream_name, viewer_id)
        connection = SSEConnection(state.db, state.broker, viewer_id, send)
        await connection.open(stream)
    except ParleyError as exc:
        await json_error(send, exc.status_code, exc.message)
        return None
    except Exception as exc:
        if store_failure(exc) is None:
            raise
        await render_failure(exc, "GET", scope["path"], error_response)(scope, receive, send)
        return None
    return connection


async def sse_endpoint(scope: Scope, receive: Receive, send: Send, stream_name: str) -> None:
    """One SSE client for its whole life: the task waits for the client to leave while
    writers (started by events and the shared heartbeat) write."""
    connection = await _open_sse(scope, receive, stream_name, send)
    if connection is None:
        return
    heartbeats = heartbeats_of(scope["app"].state)
    try:
        await send({"type": "http.response.start", "status": 200, "headers": SSE_HEADERS})
        await send({"type": "http.response.body", "body": b":)\n\n", "more_body": True})
        heartbeats.add(connection)
        while (await receive())["type"] != "http.disconnect":
            pass
    finally:
        heartbeats.discard(connection)
        await connection.stop()
