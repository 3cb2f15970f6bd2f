"""Mastodon API: listing, reading, dismissing and clearing notifications."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, field_validator

from parley.api.deps import AppSettings, DbSession, Viewer, parse_id, user_required
from parley.api.entities.notifications import render_notifications
from parley.api.pagination import Page, link_header
from parley.api.params import parse
from parley.api.responses import FastJSON, json_response
from parley.errors import NotFound
from parley.notifications import service as notifications
from parley.notifications.service import NotificationFilter

router = APIRouter()


class NotificationsQuery(BaseModel):
    types: list[str] = []
    exclude_types: list[str] = []
    account_id: str | None = None

    @field_validator("types", "exclude_types", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        # `types=x` arrives as a string, `types[]=x&types[]=y` as a list.
        return [value] if isinstance(value, str) else value

    def notification_filter(self) -> NotificationFilter:
        from_account = None
        if self.account_id:
            from_account = parse_id(self.account_id)
        return NotificationFilter(types=self.types, exclude_types=self.exclude_types,
                                  from_account_id=from_account)


@router.get("/api/v1/notifications")
async def list_notifications(
    request: Request, session: DbSession, settings: AppSettings,
    viewer: Viewer = Depends(user_required("read:notifications")),
) -> FastJSON:
    query = await parse(request, NotificationsQuery)
    try:
        filters = query.notification_filter()
    except NotFound:
        return json_response([])  # notifications from an account that cannot exist: none
    rows = await notifications.list_notifications(
        session, viewer_id=viewer.id, page=Page.from_request(request), filters=filters)
    entities = await render_notifications(session, rows, viewer_id=viewer.id, settings=settings)
    return json_response(entities, link=link_header(request, [n.id for n in rows]))


@router.get("/api/v1/notifications/{notification_id}")
async def get_notification(notification_id: str, session: DbSession, settings: AppSettings,
                           viewer: Viewer = Depends(user_required("read:notifications"))
                           ) -> FastJSON:
    row = await notifications.get_notification(session, viewer_id=viewer.id,
                                               notification_id=parse_id(notification_id))
    entities = await render_notifications(session, [row], viewer_id=viewer.id,
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
                                              notification_id=parse_id(notification_id))
    return json_response({})
