"""The hottest read routes (home, a thread's context, an account's statuses, the
notifications list) served before FastAPI's routing and dependency solving, which cost more
than the page itself: the same page functions as the FastAPI routes, on the raw read path
(store/rawsql), with a bare Starlette Request."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from parley.api.deps import fast_optional, fast_required
from parley.api.errors import error_response
from parley.api.responses import FastJSON
from parley.api.v1.accounts import account_statuses_page
from parley.api.v1.notifications import notifications_page
from parley.api.v1.statuses import context_page
from parley.api.v1.timelines import home_page
from parley.errors import ParleyError
from parley.store.database import Database
from parley.store.rawsql import Reader

log = logging.getLogger("parley.api")
HOME = "/api/v1/timelines/home"
NOTIFICATIONS = "/api/v1/notifications"
CONTEXT = re.compile(r"/api/v1/statuses/([^/]+)/context")
ACCOUNT_STATUSES = re.compile(r"/api/v1/accounts/([^/]+)/statuses")
# A page: (request, reader, the path's id or "", the app's state) -> response.
Handler = Callable[[Request, Reader, str, Any], Awaitable[FastJSON]]


async def _home(request: Request, reader: Reader, _: str, state: Any) -> FastJSON:
    viewer = await fast_required(request, reader, "read:statuses")
    return await home_page(request, reader, viewer.id, state.settings)


async def _notifications(request: Request, reader: Reader, _: str, state: Any) -> FastJSON:
    viewer = await fast_required(request, reader, "read:notifications")
    return await notifications_page(request, reader, viewer.id, state.settings, state.db)


async def _context(request: Request, reader: Reader, status_id: str, state: Any) -> FastJSON:
    maybe = await fast_optional(request, reader, "read:statuses")
    return await context_page(status_id, reader, maybe.id if maybe else None, state.settings)


async def _account_statuses(request: Request, reader: Reader, account_id: str, state: Any
                            ) -> FastJSON:
    maybe = await fast_optional(request, reader, "read:statuses")
    return await account_statuses_page(request, reader, account_id,
                                       maybe.id if maybe else None, state.settings)


EXACT: dict[str, Handler] = {HOME: _home, NOTIFICATIONS: _notifications}
PATTERNS: tuple[tuple[re.Pattern[str], Handler], ...] = (
    (CONTEXT, _context), (ACCOUNT_STATUSES, _account_statuses))


def _route(path: str) -> tuple[Handler, str] | None:
    handler = EXACT.get(path)
    if handler is not None:
        return handler, ""
    if "\x00" in path:
        return None
    for pattern, handler in PATTERNS:
        match = pattern.fullmatch(path)
        if match is not None:
            return handler, match.group(1)
    return None


class HotReads:
    """ASGI wrapper: the hot GETs here, everything else to `app`. Anything unusual (NUL
    characters, other methods) goes to the full stack, which has the rules for it."""

    def __init__(self, app: ASGIApp, owner: Any) -> None:
        self.app = app
        self.owner = owner  # the FastAPI app: its state holds the database and settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            path: str = scope["path"].rstrip("/")
            found = _route(path)
            if found is not None:
                await self._serve(scope, path, receive, send, *found)
                return
        await self.app(scope, receive, send)

    async def _serve(self, scope: Scope, path: str, receive: Receive, send: Send,
                     handler: Handler, path_id: str) -> None:
        query: bytes = scope.get("query_string", b"")
        if b"%00" in query or b"\x00" in query:
            await self.app(scope, receive, send)
            return
        # As RequestHygiene and Starlette would: no trailing slash, and the app in the scope
        # (link_header reads its state).
        scope = {**scope, "path": path, "app": self.owner}
        request = Request(scope, receive)
        db: Database = self.owner.state.db
        try:
            async with db.fast() as reader:
                response = await handler(request, reader, path_id, self.owner.state)
        except ParleyError as error:
            response = error_response(error.status_code, error.message)
        except Exception:
            log.exception("unhandled error on GET %s", scope["path"])
            response = error_response(500, "Internal server error")
        await response(scope, receive, send)
