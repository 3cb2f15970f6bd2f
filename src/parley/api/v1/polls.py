"""Mastodon API: /api/v1/polls — viewing a poll and voting in it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from parley.api.entities.polls import poll_entity
from parley.api.params import parse
from parley.errors import Invalid
from parley.http.auth import Viewer, user_optional, user_required
from parley.http.deps import DbSession, path_id
from parley.http.openapi import body
from parley.http.responses import FastJSON, json_response
from parley.polls import service as polls
from parley.polls.models import Poll
from parley.polls.rows import PollBatch
from parley.posts import service as posts
from parley.posts.rows import NOBODY
from parley.store.rawwrite import SessionSql

router = APIRouter()


class VoteForm(BaseModel):
    choices: list[Any] = Field(default_factory=list)

    @field_validator("choices", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        return [value] if isinstance(value, str | int) else value


def _choices(raw: list[Any]) -> list[int]:
    try:
        return [int(str(choice).strip()) for choice in raw]
    except ValueError:
        raise Invalid("Validation failed: The chosen vote option does not exist")


async def _visible_poll(session: AsyncSession, raw_id: str, viewer_id: int | None) -> Poll:
    """The poll, if the viewer may see its post (posts' rule); else not found."""
    poll = await polls.get_poll(session, path_id(raw_id))
    await posts.get_post(session, poll.post_id, viewer_id=viewer_id)
    return poll


async def _render(session: AsyncSession, poll_id: int, viewer_id: int | None) -> FastJSON:
    batch = PollBatch()
    await batch.load(SessionSql(session), [poll_id],
                     NOBODY if viewer_id is None else viewer_id)
    return json_response(poll_entity(batch.polls[poll_id], batch.own_votes.get(poll_id, []),
                                     viewer_id))


@router.get("/api/v1/polls/{poll_id}")
async def get_poll(poll_id: str, session: DbSession,
                   viewer: Viewer | None = Depends(user_optional("read:statuses"))
                   ) -> FastJSON:
    viewer_id = viewer.id if viewer else None
    poll = await _visible_poll(session, poll_id, viewer_id)
    return await _render(session, poll.id, viewer_id)


@router.post("/api/v1/polls/{poll_id}/votes", openapi_extra=body(VoteForm))
async def vote(poll_id: str, request: Request, session: DbSession,
               viewer: Viewer = Depends(user_required("write:statuses"))) -> FastJSON:
    form = await parse(request, VoteForm)
    poll = await _visible_poll(session, poll_id, viewer.id)
    await polls.vote(session, poll_id=poll.id, voter_id=viewer.id,
                     choices=_choices(form.choices))
    return await _render(session, poll.id, viewer.id)
