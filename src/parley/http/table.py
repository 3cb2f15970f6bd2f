"""The fast routes as a table: method and path template -> handler, auth and scope. The edge
(http/edge.py) serves them before FastAPI's routing and dependency solving, which cost more
than the hottest pages themselves; FastAPI only documents them (OpenAPI, 405 for other
methods), through the same code."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from parley.config import Settings
from parley.http.auth import Viewer, optional, required, token_identity
from parley.http.errors import Renderer, render_failure
from parley.http.openapi import Extra, combined
from parley.store.database import Database
from parley.store.rawsql import Reader

_PARAM = re.compile(r"\{(\w+)\}")


@dataclass(slots=True)
class Call:
    """One request to a fast route, as its handler sees it."""

    request: Request
    viewer: Viewer | None
    arg: str  # the path's one {parameter}, or ""
    state: Any  # the app's state: db, settings
    # The request's raw reads, open while a reading handler runs (None for a writing one:
    # it is released before the handler, which reads its body and writes).
    open_reader: Reader | None
    loaded: object = None  # what the route's `load` read for a writing handler

    @property
    def reader(self) -> Reader:
        if self.open_reader is None:
            raise RuntimeError("a writing route's handler reads in its own transactions")
        return self.open_reader

    @property
    def settings(self) -> Settings:
        settings: Settings = self.state.settings
        return settings

    @property
    def db(self) -> Database:
        db: Database = self.state.db
        return db

    @property
    def user(self) -> Viewer:
        """The viewer of a route whose auth is "user" (never None there)."""
        if self.viewer is None:
            raise RuntimeError("this route does not require a signed-in user")
        return self.viewer

    @property
    def viewer_id(self) -> int | None:
        return self.viewer.id if self.viewer is not None else None


Handler = Callable[[Call], Awaitable[Response]]
Loader = Callable[[Reader, Viewer | None], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class Route:
    """A fast route. `auth` is "user" (a signed-in user's token holding `scope`),
    "optional" (the same if a token is given) or "none" (no token is read: a door other
    servers knock on, whose handler checks their signatures itself). A route with `load`
    writes: `load` runs with the token lookup, and the reader is released before the handler
    runs; a route without auth gets no reader either (it reads its body and writes)."""

    method: str
    path: str  # "/api/v1/statuses/{id}/context": at most one {parameter}
    handler: Handler
    scope: str
    auth: Literal["user", "optional", "none"] = "user"
    load: Loader | None = None
    doc: Extra = field(default_factory=dict)  # what it reads by hand (http/openapi.py)


class RouteTable:
    """Routes compiled for lookup: a dict per method on the exact path first, then a short
    list of precompiled patterns."""

    def __init__(self, routes: list[Route], render: Renderer) -> None:
        self.routes = tuple(routes)
        self.render = render
        self._exact: dict[str, dict[str, Route]] = {}
        self._patterns: dict[str, list[tuple[re.Pattern[str], Route]]] = {}
        for route in routes:
            exact = self._exact.setdefault(route.method, {})
            params = _PARAM.findall(route.path)
            if len(params) > 1:
                raise ValueError(f"{route.path}: a fast route has at most one parameter")
            if params:
                pattern = re.compile(_PARAM.sub("([^/]+)", route.path))
                self._patterns.setdefault(route.method, []).append((pattern, route))
            elif route.path in exact:
                raise ValueError(f"{route.method} {route.path} is in the table twice")
            else:
                exact[route.path] = route

    def find(self, method: str, path: str) -> tuple[Route, str] | None:
        """The route for a normalised path (see http/hygiene) and its parameter, if any."""
        exact = self._exact.get(method)
        if exact is None:
            return None
        route = exact.get(path)
        if route is not None:
            return route, ""
        for pattern, route in self._patterns.get(method, ()):
            match = pattern.fullmatch(path)
            if match is not None:
                return route, match.group(1)
        return None

    async def respond(self, route: Route, request: Request, arg: str) -> Response:
        """Serve `route`: the token looked up by its rules, then the handler, every error
        mapped by http/errors and rendered by the table's renderer."""
        state = request.app.state
        try:
            if route.auth == "none":
                return await route.handler(Call(request, None, arg, state, None))
            async with state.db.fast() as reader:
                given, identity = await token_identity(request, reader)
                viewer = (required(identity, route.scope) if route.auth == "user"
                          else optional(given, identity, route.scope))
                if route.load is None:
                    return await route.handler(Call(request, viewer, arg, state, reader))
                loaded = await route.load(reader, viewer)
            return await route.handler(Call(request, viewer, arg, state, None, loaded))
        except Exception as exc:
            return render_failure(exc, request.method, request.url.path, self.render)

    def documented(self, *, in_schema: bool = True) -> APIRouter:
        """FastAPI routes for the table, answering through `respond`: they list the fast
        routes in the OpenAPI description (unless not `in_schema`) and answer other methods
        with 405. The edge serves the table's own methods before FastAPI sees them."""
        router = APIRouter(include_in_schema=in_schema)
        for route in self.routes:
            path_parameters = {"parameters": [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in _PARAM.findall(route.path)]}
            router.add_api_route(route.path, self._endpoint(route), methods=[route.method],
                                 name=route.handler.__name__.strip("_"),
                                 openapi_extra=combined(path_parameters, route.doc))
        return router

    def _endpoint(self, route: Route) -> Callable[[Request], Awaitable[Response]]:
        params = _PARAM.findall(route.path)

        async def endpoint(request: Request) -> Response:
            return await self.respond(route, request, request.path_params[params[0]]
                                      if params else "")

        return endpoint
