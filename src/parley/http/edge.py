"""The one way in: every request passes the hygiene rules and the CORS rule (http/cors), a
HEAD is served as its GET (http/head), then it goes to the streaming endpoints (a raw
prefix), the fast-route table, or FastAPI, in that order."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from parley.errors import RateLimited
from parley.http.cors import Cors
from parley.http.head import serve_head
from parley.http.hygiene import NUL_MESSAGE, body_limit, capped, has_nul, normal_path
from parley.http.negotiation import negotiated
from parley.http.ratelimit import SPENDING, RateLimiter, Spending, account_caller
from parley.http.table import RouteTable

# (scope, the path below the prefix without slashes) -> the endpoint, or None for FastAPI.
PrefixEndpoints = Callable[[Scope, str], ASGIApp | None]


class Edge:
    """ASGI dispatcher ahead of FastAPI's middleware stack (`app`). Streaming connections
    are served here because the stack's frames and closures would otherwise live as long
    as each of thousands of idle connections; the table's routes because FastAPI's routing
    and dependency solving cost more than the hottest pages do."""

    def __init__(self, app: ASGIApp, tables: Sequence[RouteTable], prefix: str,
                 endpoints: PrefixEndpoints, limiter: RateLimiter | None = None) -> None:
        """`tables`: each adapter's fast routes (the first one's renderer answers what the
        edge itself refuses)."""
        self.app = app
        self.tables = tuple(tables)
        self.table = self.tables[0]
        self.prefix = prefix
        self.endpoints = endpoints
        self.limiter = limiter
        self.cors = Cors(self._http)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            await self.app(scope, receive, send)  # lifespan
            return
        path: str = scope["path"]
        normal = normal_path(path)
        if normal is not path:
            scope = {**scope, "path": normal}
        if kind == "websocket":
            if has_nul(path, scope.get("query_string", b"")):
                return  # closed unaccepted (403)
            await self._dispatch(scope, receive, send)
            return
        cors = self.cors.wrap(normal, scope["headers"])
        await (self._http if cors is None else cors)(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if has_nul(scope["path"], scope.get("query_string", b"")):
            await self.table.render(400, NUL_MESSAGE)(scope, receive, send)
        elif scope["method"] == "HEAD":
            await serve_head(self._dispatch, scope, receive, send)
        else:
            await self._dispatch(scope, receive, send)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        normal: str = scope["path"]
        kind = scope["type"]
        if normal.startswith(self.prefix):
            endpoint = self.endpoints(scope, normal[len(self.prefix):].strip("/"))
            if endpoint is not None:
                await endpoint(scope, receive, send)
                return
        if kind == "http":
            scope = negotiated(scope)
            limit = body_limit(normal)
            if limit is not None:
                receive = capped(scope, receive, limit)
            if self.limiter is not None:
                spending = scope[SPENDING] = Spending(self.limiter)
                send = spending.sender(send)
                decision = await self.limiter.spend(scope["method"], normal,
                                                    await account_caller(scope))
                spending.note(decision)
                if decision is not None and decision.refused:
                    await self.table.render(429, RateLimited.default_message)(scope, receive, send)
                    return
            for table in self.tables:
                found = table.find(scope["method"], normal)
                if found is not None:
                    # scope["app"] is the FastAPI app (Starlette sets it before its
                    # middleware stack, which this replaces): handlers read its state.
                    response = await table.respond(found[0], Request(scope, receive),
                                                   found[1])
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)

