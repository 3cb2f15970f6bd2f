"""The HTTP edge: the fast-route table, the one error mapping, the token rules, hygiene."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import ClientDisconnect, HTTPConnection
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from parley.api.errors import error_response
from parley.api.hot import ROUTES, TABLE
from parley.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited, Unauthorized
from parley.http.auth import Viewer, app_only, optional, required, token_identity
from parley.http.edge import Edge
from parley.http.errors import failure
from parley.http.hygiene import has_nul, normal_path
from parley.http.table import Call, Route, RouteTable
from parley.oauth.tokens import TokenIdentity, digest
from parley.store.dialect import SQLITE

USER = TokenIdentity(7, 3, ("read", "write:statuses"))
APP = TokenIdentity(None, 3, ("read",))


async def _ok(call: Call) -> Response:
    viewer = call.viewer_id
    return Response(f"{call.request.method} {call.arg} {viewer}")


def test_the_table_finds_exact_paths_then_patterns_per_method() -> None:
    table = RouteTable([Route("GET", "/a", _ok, "read"), Route("POST", "/a", _ok, "write"),
                        Route("GET", "/s/{id}/context", _ok, "read", "optional")],
                       error_response)
    found = table.find("GET", "/a")
    assert found is not None and found[0].scope == "read" and found[1] == ""
    found = table.find("POST", "/a")
    assert found is not None and found[0].scope == "write"
    found = table.find("GET", "/s/123/context")
    assert found is not None and found[1] == "123"
    for method, path in (("DELETE", "/a"), ("GET", "/b"), ("GET", "/s/1/2/context"),
                         ("GET", "/s//context"), ("POST", "/s/1/context"), ("GET", "/a/")):
        assert table.find(method, path) is None, (method, path)


def test_the_table_refuses_ambiguous_routes() -> None:
    with pytest.raises(ValueError):
        RouteTable([Route("GET", "/a", _ok, "read"), Route("GET", "/a", _ok, "read")],
                   error_response)
    with pytest.raises(ValueError):
        RouteTable([Route("GET", "/a/{x}/{y}", _ok, "read")], error_response)


def test_every_api_fast_route_is_found_and_documented() -> None:
    app = FastAPI()
    app.include_router(TABLE.documented())
    documented = {(method.upper(), path) for path, operations in app.openapi()["paths"].items()
                  for method in operations}
    for route in ROUTES:
        path = route.path.replace("{id}", "42")
        found = TABLE.find(route.method, path)
        assert found is not None and found[0] is route
        assert found[1] == ("42" if "{id}" in route.path else "")
        assert (route.method, route.path) in documented


@pytest.mark.parametrize(("error", "status", "message"), [
    (NotFound(), 404, "Record not found"),
    (Unauthorized(), 401, "The access token is invalid"),
    (Unauthorized("This method requires an authenticated user"), 401,
     "This method requires an authenticated user"),
    (Forbidden(), 403, "This action is not allowed"),
    (Invalid("Request body is not valid JSON"), 422, "Request body is not valid JSON"),
    (Conflict(), 409, "Conflict"),
    (RateLimited(), 429, "Too many requests"),
    (HTTPException(404, "ignored"), 404, "Record not found"),
    (HTTPException(405), 405, "Method not allowed"),
    (HTTPException(400, "Bad header"), 400, "Bad header"),
    (RequestValidationError([{"loc": ("query", "limit"), "msg": "not a number"}]), 422,
     "Validation failed: limit: not a number"),
    (RequestValidationError([{"loc": ("body",), "msg": "missing"}]), 422,
     "Validation failed: body: missing"),
    (ClientDisconnect(), 400, "The client disconnected before the request was read"),
    (MultiPartException("Missing boundary in multipart."), 400,
     "Missing boundary in multipart."),
    (KeyError("bug"), 500, "Internal server error"),
])
def test_each_error_maps_to_one_status_and_message(error: Exception, status: int,
                                                   message: str) -> None:
    assert failure(error) == (status, message)
    response = error_response(*failure(error))
    assert response.status_code == status
    assert orjson.loads(response.body) == {"error": message}
    assert ("www-authenticate" in response.headers) == (status == 401)


def test_token_rules() -> None:
    assert required(USER, "read:statuses") == Viewer(7, 3, ("read", "write:statuses"))
    for identity, scope, error in ((None, "read", Unauthorized), (APP, "read", Unauthorized),
                                   (USER, "write:accounts", Forbidden)):
        with pytest.raises(error):
            required(identity, scope)
    assert optional(False, None, "read") is None  # no token: nobody
    assert optional(True, APP, "read") is None  # an app's token: nobody
    assert optional(True, USER, "read:statuses") == Viewer(7, 3, USER.scopes)
    with pytest.raises(Unauthorized):
        optional(True, None, "read")  # a token given must be valid
    with pytest.raises(Forbidden):
        optional(True, USER, "write:accounts")
    assert app_only(APP, None) is APP and app_only(USER, "read") is USER
    with pytest.raises(Unauthorized):
        app_only(None, None)
    with pytest.raises(Forbidden):
        app_only(APP, "write:accounts")


def test_hygiene() -> None:
    assert has_nul("/a\x00", b"") and has_nul("/a", b"q=%00") and has_nul("/a", b"q=\x00")
    assert not has_nul("/api/v1/timelines/home", b"limit=20&max_id=100")
    assert normal_path("/api/v1/instance/") == "/api/v1/instance"
    assert normal_path("/a//") == "/a" and normal_path("/") == "/" and normal_path("//") == "/"
    path = "/api/v1/timelines/home"
    assert normal_path(path) is path


# The edge end to end, over a fake database whose only rows are token lookups.

class _Reader:
    dialect = SQLITE
    shared = False

    def __init__(self, tokens: dict[str, TokenIdentity]) -> None:
        self.tokens = {digest(raw): identity for raw, identity in tokens.items()}

    async def fetch(self, _sql: Any, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        found = self.tokens.get(params["digest"])
        if found is None:
            return []
        return [(found.account_id, found.application_id, " ".join(found.scopes),
                 found.account_id, False, True, None)]


class _Db:
    def __init__(self) -> None:
        self.reader = _Reader({"user": USER, "app": APP})
        self.opened = 0

    @asynccontextmanager
    async def fast(self) -> AsyncIterator[_Reader]:
        self.opened += 1
        yield self.reader


async def _boom(call: Call) -> Response:
    raise RuntimeError("a bug")


async def _missing(call: Call) -> Response:
    raise NotFound()


async def _write(call: Call) -> Response:
    assert call.open_reader is None
    return Response(f"wrote as {call.user.id} with {call.loaded}")


async def _load(reader: Any, viewer: Viewer | None) -> object:
    return "defaults"


def _edge(passed: list[Scope]) -> tuple[Edge, _Db]:
    async def fastapi(scope: Scope, receive: Receive, send: Send) -> None:
        passed.append(scope)
        await Response("fastapi")(scope, receive, send)

    async def stream(scope: Scope, receive: Receive, send: Send) -> None:
        await Response("stream")(scope, receive, send)

    table = RouteTable([
        Route("GET", "/home", _ok, "read:statuses"),
        Route("GET", "/s/{id}/context", _ok, "read:statuses", "optional"),
        Route("GET", "/boom", _boom, "read"), Route("GET", "/missing", _missing, "read"),
        Route("POST", "/post", _write, "write:statuses", load=_load),
    ], error_response)
    db = _Db()
    edge = Edge(fastapi, [table], "/streaming",
                lambda scope, rest: stream if rest == "user" else None)
    return edge, db


def _call(edge: Edge, db: _Db, path: str, *, method: str = "GET", query: bytes = b"",
          token: str | None = None, kind: str = "http") -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    headers = [(b"authorization", f"Bearer {token}".encode())] if token else []
    scope = {"type": kind, "method": method, "path": path, "query_string": query,
             "headers": headers, "app": SimpleNamespace(state=SimpleNamespace(db=db))}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(edge(scope, receive, send))
    return sent


def _answer(sent: list[dict[str, Any]]) -> tuple[int, bytes]:
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def test_the_edge_serves_the_table_with_its_auth_and_errors() -> None:
    passed: list[Scope] = []
    edge, db = _edge(passed)
    assert _answer(_call(edge, db, "/home/", token="user")) == (200, b"GET  7")
    assert _answer(_call(edge, db, "/home")) == (
        401, b'{"error":"The access token is invalid"}')
    assert _answer(_call(edge, db, "/home", token="nope"))[0] == 401
    assert _answer(_call(edge, db, "/home", token="app")) == (
        401, b'{"error":"This method requires an authenticated user"}')
    assert _answer(_call(edge, db, "/s/5/context")) == (200, b"GET 5 None")
    assert _answer(_call(edge, db, "/s/5/context", token="app")) == (200, b"GET 5 None")
    assert _answer(_call(edge, db, "/s/5/context", token="nope"))[0] == 401
    assert _answer(_call(edge, db, "/missing", token="user")) == (
        404, b'{"error":"Record not found"}')
    assert _answer(_call(edge, db, "/boom", token="user")) == (
        500, b'{"error":"Internal server error"}')
    assert _answer(_call(edge, db, "/post", method="POST", token="user")) == (
        200, b"wrote as 7 with defaults")
    assert _answer(_call(edge, db, "/post", method="POST", token="app"))[0] == 401
    assert not passed


def test_the_edge_applies_hygiene_first_and_passes_the_rest_on() -> None:
    passed: list[Scope] = []
    edge, db = _edge(passed)
    assert _answer(_call(edge, db, "/home", query=b"max_id=%00", token="user")) == (
        400, b'{"error":"NUL characters are not allowed"}')
    assert _answer(_call(edge, db, "/streaming/user", query=b"tag=%00"))[0] == 400
    assert _call(edge, db, "/streaming", kind="websocket", query=b"a=\x00") == []
    assert _answer(_call(edge, db, "/streaming/user/")) == (200, b"stream")
    assert _answer(_call(edge, db, "/home", method="DELETE")) == (200, b"fastapi")
    assert _answer(_call(edge, db, "/streaming/health")) == (200, b"fastapi")
    assert _answer(_call(edge, db, "/api/v1/instance/")) == (200, b"fastapi")
    assert [scope["path"] for scope in passed] == [
        "/home", "/streaming/health", "/api/v1/instance"]
    assert db.opened == 0  # nothing reached the table


def test_a_token_missed_by_a_shared_snapshot_is_looked_up_again_fresh() -> None:
    class _Shared(_Reader):
        shared = True

    class _FreshDb(_Db):
        @asynccontextmanager
        async def fresh(self) -> AsyncIterator[_Reader]:
            yield self.reader

    db = _FreshDb()
    scope = {"type": "http", "headers": [(b"authorization", b"Bearer user")],
             "query_string": b"", "app": SimpleNamespace(state=SimpleNamespace(db=db))}
    stale = _Shared({})
    given, identity = asyncio.run(token_identity(HTTPConnection(scope), stale))
    assert given and identity == USER
