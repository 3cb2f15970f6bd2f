"""Posts waiting for their time: the list of one's scheduled posts, and cancelling one
(scheduling itself is the compose page's "Post later")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter
from starlette.responses import Response

from parley.api.deps import DbSession
from parley.errors import Invalid, NotFound
from parley.lib.paging import Page as Paging
from parley.lib.timefmt import as_utc
from parley.posts import scheduled as scheduled_posts
from parley.web.forms import form_fields, parse_id
from parley.web.render import PageContext
from parley.web.routing import WebRoute

router = APIRouter(route_class=WebRoute)


def later_moment(local: str, offset_minutes: str) -> datetime:
    """A browser's `datetime-local` value as UTC: `offset_minutes` is the browser's
    getTimezoneOffset() (minutes behind UTC); without it the time is read as UTC."""
    try:
        moment = datetime.fromisoformat(local.strip())
    except ValueError:
        raise Invalid("Pick a date and a time to post it.") from None
    offset = int(offset_minutes) if offset_minutes.strip().lstrip("-").isdigit() else 0
    return (moment.replace(tzinfo=None) + timedelta(minutes=offset)).replace(tzinfo=UTC)


@router.get("/scheduled")
async def scheduled(page: PageContext, db: DbSession) -> Response:
    account = page.require_account()
    waiting = await scheduled_posts.scheduled_posts(
        db, account_id=account.id, page=Paging(limit=scheduled_posts.MAX_WAITING))
    waiting.sort(key=lambda row: as_utc(row.scheduled_at))
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
