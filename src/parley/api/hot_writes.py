"""The hottest write route (POST /api/v1/statuses) served before FastAPI's routing and
dependency solving, like api/hot.py does for reads: the same page function as the FastAPI
route, with a bare Starlette Request and the same error JSON."""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from parley.api.errors import error_response
from parley.api.responses import FastJSON
from parley.api.v1.statuses import create_status_page
from parley.errors import ParleyError

log = logging.getLogger("parley.api")
STATUSES = "/api/v1/statuses"


class HotWrites:
    """ASGI wrapper: POST /api/v1/statuses here, everything else to `app`. Anything unusual
    (NUL characters in the path or query) goes to the full stack, which has the rules."""

    def __init__(self, app: ASGIApp, owner: Any) -> None:
        self.app = app
        self.owner = owner  # the FastAPI app: its state holds the database and settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope["method"] == "POST"
                and scope["path"].rstrip("/") == STATUSES):
            query: bytes = scope.get("query_string", b"")
            if b"%00" not in query and b"\x00" not in query:
                await self._create(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _create(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope = {**scope, "path": STATUSES, "app": self.owner}
        request = Request(scope, receive)
        try:
            response: FastJSON = await create_status_page(request, self.owner.state.db,
                                                          self.owner.state.settings)
        except ParleyError as error:
            response = error_response(error.status_code, error.message)
        except ClientDisconnect:
            # As the full stack's handler: nothing was written, nobody is left to answer.
            log.info("client disconnected during POST %s", STATUSES)
            response = error_response(400, "The client disconnected before the request was read")
        except Exception:
            log.exception("unhandled error on POST %s", STATUSES)
            response = error_response(500, "Internal server error")
        await response(scope, receive, send)
