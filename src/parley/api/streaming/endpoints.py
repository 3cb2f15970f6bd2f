"""Where streaming requests enter: the raw ASGI dispatcher ahead of FastAPI, and /health."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from parley.api.streaming.access import SSE_PATHS
from parley.api.streaming.sse import json_error, sse_endpoint
from parley.api.streaming.websocket import websocket_endpoint
from parley.streaming.broker import Broker

router = APIRouter()
PREFIX = "/api/v1/streaming"


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
                    await json_error(send, 404, "Unknown stream type")
                else:
                    await sse_endpoint(scope, receive, send, stream)
                return
        await self.app(scope, receive, send)


@router.get("/api/v1/streaming/health")
async def health(request: Request) -> PlainTextResponse:
    broker: Broker = request.app.state.broker
    ok = await broker.healthy()
    return PlainTextResponse("OK" if ok else "UNAVAILABLE", status_code=200 if ok else 503)
