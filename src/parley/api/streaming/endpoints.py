"""Where streaming requests enter: the raw endpoints the edge (http/edge.py) serves below
/api/v1/streaming, and /health (a plain FastAPI route)."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from parley.api.streaming.access import SSE_PATHS
from parley.api.streaming.sse import json_error, sse_endpoint
from parley.api.streaming.websocket import websocket_endpoint
from parley.streaming.broker import Broker

router = APIRouter()
PREFIX = "/api/v1/streaming"


async def _unknown_stream(_scope: Scope, _receive: Receive, send: Send) -> None:
    await json_error(send, 404, "Unknown stream type")


def streaming_endpoint(scope: Scope, rest: str) -> ASGIApp | None:
    """The endpoint for a request below PREFIX (`rest`: the path after it, without
    slashes), or None for FastAPI's routes (/health, other methods)."""
    if scope["type"] == "websocket":
        return websocket_endpoint if rest == "" else None
    if rest == "health" or scope["method"] != "GET":
        return None
    stream = SSE_PATHS.get(rest)
    return _unknown_stream if stream is None else partial(sse_endpoint, stream_name=stream)


@router.get("/api/v1/streaming/health")
async def health(request: Request) -> PlainTextResponse:
    broker: Broker = request.app.state.broker
    ok = await broker.healthy()
    return PlainTextResponse("OK" if ok else "UNAVAILABLE", status_code=200 if ok else 503)
