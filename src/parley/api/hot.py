"""The API's fast routes, as a table the edge (http/edge.py) serves before FastAPI's routing:
the hottest reads (home, a thread's context, an account's statuses, the notifications list)
on the raw read path, and posting a status. Each calls the same page function the rest of
the API would, with a bare Starlette Request."""

from __future__ import annotations

from typing import cast

from starlette.responses import Response

from parley.api.errors import error_response
from parley.api.pagination import PAGED, PageQuery
from parley.api.v1.accounts import AccountStatusesQuery, account_statuses_page
from parley.api.v1.notifications import NotificationsQuery, notifications_page
from parley.api.v1.statuses import (
    AuthorRow,
    StatusForm,
    author_of,
    context_page,
    create_status_page,
)
from parley.api.v1.timelines import home_page
from parley.http.openapi import body, query
from parley.http.refresh import thread_refresher
from parley.http.table import Call, Route, RouteTable


async def _home(call: Call) -> Response:
    return await home_page(call.request, call.reader, call.user.id,
                           call.settings)


async def _notifications(call: Call) -> Response:
    return await notifications_page(call.request, call.reader, call.user.id,
                                    call.settings, call.db)


async def _context(call: Call) -> Response:
    return await context_page(call.arg, call.reader, call.viewer_id, call.settings,
                              thread_refresher(call.state))


async def _account_statuses(call: Call) -> Response:
    return await account_statuses_page(call.request, call.reader, call.arg, call.viewer_id,
                                       call.settings)


async def _create_status(call: Call) -> Response:
    return await create_status_page(call.request, call.user,
                                    cast(AuthorRow, call.loaded), call.db, call.settings)


ROUTES = [
    Route("GET", "/api/v1/timelines/home", _home, "read:statuses", doc=PAGED),
    Route("GET", "/api/v1/notifications", _notifications, "read:notifications",
          doc=query(NotificationsQuery, PageQuery)),
    Route("GET", "/api/v1/statuses/{id}/context", _context, "read:statuses", "optional"),
    Route("GET", "/api/v1/accounts/{id}/statuses", _account_statuses, "read:statuses",
          "optional", doc=query(AccountStatusesQuery, PageQuery)),
    Route("POST", "/api/v1/statuses", _create_status, "write:statuses", load=author_of,
          doc=body(StatusForm)),
]
TABLE = RouteTable(ROUTES, error_response)
