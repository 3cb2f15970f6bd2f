"""Voting in a poll from a post: htmx gets the poll's results in place, a plain form post goes
back where it came from."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from parley.errors import Invalid, NotFound, ParleyError
from parley.http.deps import DbSession
from parley.lib.ids import parse_id
from parley.lib.numbers import ascii_int
from parley.polls import service as polls
from parley.posts import service as posts
from parley.store.rawwrite import SessionSql
from parley.web.forms import form_fields, safe_next
from parley.web.render import PageContext
from parley.web.routing import WebRoute
from parley.web.views import post_view

router = APIRouter(route_class=WebRoute)


def _choices(fields: dict[str, str]) -> list[int]:
    """A radio group's `choice`, or the ticked `choice-<n>` boxes of a multiple-choice poll."""
    picked = [value for key, value in fields.items()
              if key == "choice" or key.startswith("choice-")]
    choices = sorted({choice for choice in (ascii_int(value, max_digits=3) for value in picked)
                      if choice is not None})
    if not choices:
        raise Invalid("Choose an option first.")
    return choices


@router.post("/polls/{poll_id}/vote")
async def vote(poll_id: str, page: PageContext, db: DbSession) -> Response:
    account = page.require_account()
    fields = await form_fields(page.request)
    page.require_csrf(fields)
    parsed = parse_id(poll_id)
    if parsed is None:
        raise NotFound()
    poll = await polls.get_poll(db, parsed)
    post = await posts.get_post(db, poll.post_id, viewer_id=account.id)  # visible, or 404
    error: str | None = None
    try:
        async with db.begin_nested():
            await polls.vote(db, poll_id=poll.id, voter_id=account.id, choices=_choices(fields))
    except ParleyError as exc:
        if not page.is_htmx:
            raise
        error = exc.message.removeprefix("Validation failed: ")
    if page.is_htmx:
        view = await post_view(SessionSql(db), post.id, viewer_id=account.id)
        return page.render("_poll.html", p=view, error=error)
    target = safe_next(fields.get("next"), default="/")
    return page.redirect(f"{target.split('#')[0]}#post-{post.id}")
