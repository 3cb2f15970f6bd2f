"""The federation adapter's fast routes: the inboxes, which every delivery from another
server POSTs to, served by the edge (http/edge.py) ahead of FastAPI, whose routing over every
route of the app and middleware took a tenth of a delivery's CPU. No token is read: the
inbox checks the request's signature (federation/inbox.py)."""

from __future__ import annotations

from starlette.responses import Response

from parley.errors import NotFound
from parley.federation.inbox import accept_delivery
from parley.federation.routes import local_account
from parley.http.responses import FastJSON
from parley.http.table import Call, Route, RouteTable


def _federating(call: Call) -> None:
    if not call.settings.federation:
        raise NotFound()


async def _inbox(call: Call) -> Response:
    """The shared inbox, and the instance actor's: what one delivery is (inbox.py)."""
    _federating(call)
    await accept_delivery(call.db, call.settings, call.request)
    return Response(status_code=202)


async def _personal_inbox(call: Call) -> Response:
    _federating(call)
    await local_account(call.db, call.arg)
    return await _inbox(call)


def _error(status: int, message: str) -> FastJSON:
    """What another server is told of a refusal: {"error": ...} JSON, as the API's."""
    return FastJSON({"error": message}, status_code=status)


ROUTES = [
    Route("POST", "/inbox", _inbox, "", "none"),
    Route("POST", "/users/{username}/inbox", _personal_inbox, "", "none"),
    Route("POST", "/actor/inbox", _inbox, "", "none"),
]
TABLE = RouteTable(ROUTES, _error)
