"""Mention autocomplete for the compose box: accounts matching what follows an "@"."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from parley.http.deps import DbSession
from parley.http.responses import json_response
from parley.search.accounts import search_accounts
from parley.web.render import PageContext
from parley.web.routing import WebRoute

router = APIRouter(route_class=WebRoute)
LIMIT = 6


@router.get("/suggest/accounts")
async def accounts(page: PageContext, db: DbSession) -> Response:
    """[{acct, display_name, avatar}] for the signed-in compose box (same-origin only)."""
    page.require_account()
    query = page.request.query_params.get("q", "").strip()[:64]
    found = await search_accounts(db, query, limit=LIMIT) if query else []
    return json_response([{"acct": a.acct, "display_name": a.display_name or a.username,
                           "avatar": a.avatar_url or "/static/avatar.png"} for a in found],
                         )
