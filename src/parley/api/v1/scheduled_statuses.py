"""Mastodon API: /api/v1/scheduled_statuses — an account's posts waiting for their time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from parley.api.entities.media import media_entity
from parley.api.pagination import PAGED, Page, link_header
from parley.api.params import parse
from parley.config import Settings
from parley.http.auth import Viewer, user_required
from parley.http.deps import AppSettings, DbSession, path_id
from parley.http.openapi import body, date_time
from parley.http.responses import FastJSON, json_response
from parley.lib.timefmt import iso
from parley.posts import scheduled as scheduled_posts
from parley.posts.media_rows import MediaRow, media_by_ids
from parley.posts.models import ScheduledPost
from parley.store.rawwrite import SessionSql

router = APIRouter()


def scheduled_entity(scheduled: ScheduledPost, settings: Settings,
                     media: dict[int, MediaRow] | None = None) -> dict[str, Any]:
    """A ScheduledStatus: its id, its time, the parameters it will be posted with and the
    uploads it will take (`media`: those read, by id)."""
    params = dict(scheduled.params)
    # As Mastodon's wire shape: the reply target a number, the quoted post a string id.
    if params.get("in_reply_to_id") is not None:
        params["in_reply_to_id"] = int(params["in_reply_to_id"])
    if params.get("quoted_status_id") is not None:
        params["quoted_status_id"] = str(params["quoted_status_id"])
    if params.get("application_id") is None:  # a token without an app (the web UI's)
        params.pop("application_id", None)
    attachments = [media_entity(media[int(i)], settings)
                   for i in params.get("media_ids") or () if media and int(i) in media]
    return {"id": str(scheduled.id), "scheduled_at": iso(scheduled.scheduled_at),
            "params": params, "media_attachments": attachments}


async def scheduled_entities(session: AsyncSession, scheduled: Sequence[ScheduledPost],
                             settings: Settings) -> list[dict[str, Any]]:
    """ScheduledStatus entities, their uploads read in one statement."""
    media = await media_by_ids(SessionSql(session), [
        int(i) for row in scheduled for i in row.params.get("media_ids") or ()])
    return [scheduled_entity(row, settings, media) for row in scheduled]


async def _one(session: AsyncSession, scheduled: ScheduledPost, settings: Settings
               ) -> FastJSON:
    return json_response((await scheduled_entities(session, [scheduled], settings))[0])


class RescheduleForm(BaseModel):
    scheduled_at: str | None = Field(default=None, json_schema_extra=date_time)


@router.get("/api/v1/scheduled_statuses", openapi_extra=PAGED)
async def list_scheduled(request: Request, session: DbSession, settings: AppSettings,
                         viewer: Viewer = Depends(user_required("read:statuses"))) -> FastJSON:
    page = Page.from_request(request, default=20, maximum=40)
    rows = await scheduled_posts.scheduled_posts(session, account_id=viewer.id, page=page)
    return json_response(await scheduled_entities(session, rows, settings),
                         link=link_header(request, [row.id for row in rows]))


@router.get("/api/v1/scheduled_statuses/{scheduled_id}")
async def get_scheduled(scheduled_id: str, session: DbSession, settings: AppSettings,
                        viewer: Viewer = Depends(user_required("read:statuses"))) -> FastJSON:
    scheduled = await scheduled_posts.get_scheduled(session, account_id=viewer.id,
                                                    scheduled_id=path_id(scheduled_id))
    return await _one(session, scheduled, settings)


@router.put("/api/v1/scheduled_statuses/{scheduled_id}", openapi_extra=body(RescheduleForm))
async def reschedule(scheduled_id: str, request: Request, session: DbSession,
                     settings: AppSettings,
                     viewer: Viewer = Depends(user_required("write:statuses"))) -> FastJSON:
    form = await parse(request, RescheduleForm)
    when = scheduled_posts.parse_scheduled_at(form.scheduled_at or "")
    scheduled = await scheduled_posts.reschedule(session, account_id=viewer.id,
                                                 scheduled_id=path_id(scheduled_id), when=when)
    return await _one(session, scheduled, settings)


@router.delete("/api/v1/scheduled_statuses/{scheduled_id}")
async def cancel(scheduled_id: str, session: DbSession,
                 viewer: Viewer = Depends(user_required("write:statuses"))) -> FastJSON:
    await scheduled_posts.cancel(session, account_id=viewer.id,
                                 scheduled_id=path_id(scheduled_id))
    return json_response({})
