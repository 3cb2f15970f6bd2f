"""Mastodon API: listing, reading, dismissing and clearing notifications."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, field_validator

from parley.api.entities.notification_types import parley_types
from parley.api.entities.notifications import render_page
from parley.api.pagination import Page, link_header
from parley.api.params import parse
from parley.config import Settings
from parley.errors import NotFound
from parley.http.auth import Viewer, raw_user_required, user_required
from parley.http.deps import AppSettings, DbSession, FastReader, path_id
from parley.http.openapi import query
from parley.http.responses import FastJSON, json_response
from parley.notifications import service as notifications
from parley.notifications.rows import notification_by_id, notification_rows
from parley.notifications.service import NotificationFilter
from parley.store.database import Database
from parley.store.rawsql import Reader

router = APIRouter()
LIMIT, MAX_LIMIT = 40, 80  # Mastodon's page sizes for notifications


class NotificationsQuery(BaseModel):
    """The list filters v1 and v2 share (unknown types simply match nothing)."""

    types: list[str] = Field(default=[], max_length=50)
    exclude_types: list[str] = Field(default=[], max_length=50)
    account_id: str | None = None
    include_filtered: bool = False

    @field_validator("types", "exclude_types", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        # `types=x` arrives as a string, `types[]=x&types[]=y` as a list.
        return [value] if isinstance(value, str) else value

    def notification_filter(self) -> NotificationFilter:
        """NotFound when account_id names no possible account (the list is then empty)."""
        from_account = None
        if self.account_id:
            from_account = path_id(self.account_id)
        return NotificationFilter(types=parley_types(self.types),
                                  exclude_types=parley_types(self.exclude_types),
                                  from_account_id=from_account,
                                  include_filtered=self.include_filtered)


class UnreadCountQuery(NotificationsQuery):
    limit: int = Field(default=100, ge=1, le=1000)


async def notifications_page(request: Request, reader: Reader, viewer_id: int,
                             settings: Settings, db: Database) -> FastJSON:
    """The notifications list on the raw read path (a fast route: api/hot.py)."""
    query = await parse(request, NotificationsQuery)
    try:
        filters = query.notification_filter()
    except NotFound:
        return json_response([])  # notifications from an account that cannot exist: none
    page = await notification_rows(
        reader, viewer_id=viewer_id, filters=filters,
        page=Page.from_request(request, default=LIMIT, maximum=MAX_LIMIT))
    entities = await render_page(page, db=db, viewer_id=viewer_id, settings=settings)
    return json_response(entities, link=link_header(request, [n.id for n in page.rows]))


@router.get("/api/v1/notifications/unread_count", openapi_extra=query(UnreadCountQuery))
async def unread_count(request: Request, session: DbSession,
                       viewer: Viewer = Depends(user_required("read:notifications"))
                       ) -> FastJSON:
    """Notifications after the notifications marker, up to `limit` (default 100)."""
    query = await parse(request, UnreadCountQuery)
    try:
        filters = query.notification_filter()
    except NotFound:
        return json_response({"count": 0})
    count = await notifications.unread_count(session, viewer_id=viewer.id, filters=filters,
                                             limit=query.limit)
    return json_response({"count": count})


@router.get("/api/v1/notifications/{notification_id}")
async def get_notification(
    notification_id: str, request: Request, reader: FastReader, settings: AppSettings,
    viewer: Viewer = Depends(raw_user_required("read:notifications")),
) -> FastJSON:
    page = await notification_by_id(reader, viewer_id=viewer.id,
                                    notification_id=path_id(notification_id))
    entities = await render_page(page, db=request.app.state.db, viewer_id=viewer.id,
                                 settings=settings)
    if not entities:
        raise NotFound()
    return json_response(entities[0])


@router.post("/api/v1/notifications/clear")
async def clear(session: DbSession,
                viewer: Viewer = Depends(user_required("write:notifications"))) -> FastJSON:
    await notifications.clear_notifications(session, viewer_id=viewer.id)
    return json_response({})


@router.post("/api/v1/notifications/{notification_id}/dismiss")
async def dismiss(notification_id: str, session: DbSession,
                  viewer: Viewer = Depends(user_required("write:notifications"))) -> FastJSON:
    await notifications.dismiss_notification(session, viewer_id=viewer.id,
                                              notification_id=path_id(notification_id))
    return json_response({})
