"""The hottest read routes (home, a thread's context) served before FastAPI's routing and
dependency solving, which cost more than the page itself: the same page functions as the
FastAPI routes, on the raw read path (lib/rawsql), with a bare Starlette Request."""

from __future__ import annotations

import logging
import re
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from parley.api.deps import fast_optional, fast_required
from parley.api.errors import error_response
from parley.api.responses import FastJSON
from parley.api.v1.statuses import context_page
from parley.api.v1.timelines import home_page
from parley.config import Settings
from parley.db import Database
from parley.errors import ParleyError

log = logging.getLogger("parley.api")
HOME = "/api/v1/timelines/home"
CONTEXT = re.compile(r"/api/v1/statuses/([^/]+)/context")


class HotReads:
    """ASGI wrapper: GET home and context here, everything else to `app`. Anything unusual
    (NUL characters, other methods) goes to the full stack, which has the rules for it."""

    def __init__(self, app: ASGIApp, owner: Any) -> None:
        self.app = app
        self.owner = owner  # the FastAPI app: its state holds the database and settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            path: str = scope["path"].rstrip("/")
            if path == HOME:
                await self._serve(scope, path, receive, send, None)
                return
            match = CONTEXT.fullmatch(path)
            if match is not None and "\x00" not in path:
                await self._serve(scope, path, receive, send, match.group(1))
                return
        await self.app(scope, receive, send)

    async def _serve(self, scope: Scope, path: str, receive: Receive, send: Send,
                     status_id: str | None) -> None:
        query: bytes = scope.get("query_string", b"")
        if b"%00" in query or b"\x00" in query:
            await self.app(scope, receive, send)
            return
        # As RequestHygiene and Starlette would: no trailing slash, and the app in the scope
        # (link_header reads its state).
        scope = {**scope, "path": path, "app": self.owner}
        request = Request(scope, receive)
        db: Database = self.owner.state.db
        settings: Settings = self.owner.state.settings
        try:
            async with db.fast() as reader:
                if status_id is None:
                    viewer = await fast_required(request, reader, "read:statuses")
                    response: FastJSON = await home_page(request, reader, viewer.id, settings)
                else:
                    maybe = await fast_optional(request, reader, "read:statuses")
                    response = await context_page(status_id, reader,
                                                  maybe.id if maybe else None, settings)
        except ParleyError as error:
            response = error_response(error.status_code, error.message)
        except Exception:
            log.exception("unhandled error on GET %s", scope["path"])
            response = error_response(500, "Internal server error")
        await response(scope, receive, send)
