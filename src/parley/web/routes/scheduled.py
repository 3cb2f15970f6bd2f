"""Posts waiting for their time: the list of one's scheduled posts, and cancelling one
(scheduling itself is the compose page's "Post later")."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from parley.errors import NotFound
from parley.http.deps import DbSession
from parley.lib.ids import parse_id
from parley.posts import scheduled as scheduled_posts
from parley.web.forms import form_fields
from parley.web.render import PageContext
from parley.web.routing import WebRoute

router = APIRouter(route_class=WebRoute)


@router.get("/scheduled")
async def scheduled(page: PageContext, db: DbSession) -> Response:
    account = page.require_account()
    waiting = await scheduled_posts.soonest_first(db, account_id=account.id)
    return page.render("scheduled.html", waiting=waiting)


@router.post("/scheduled/{scheduled_id}/cancel")
async def cancel(scheduled_id: str, page: PageContext, db: DbSession) -> Response:
    account = page.require_account()
    fields = await form_fields(page.request)
    if page.csrf_ok(fields.get("csrf")):
        parsed = parse_id(scheduled_id)
        if parsed is None:
            raise NotFound()
        await scheduled_posts.cancel(db, account_id=account.id, scheduled_id=parsed)
    return page.redirect("/scheduled")
