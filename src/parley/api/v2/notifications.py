"""Mastodon API v2: grouped notifications, their unread count, and the notification policy."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, field_validator

from parley.api.entities.accounts import account_entity
from parley.api.entities.notification_groups import ExpandAccounts, render_grouped
from parley.api.entities.notification_requests import policy_entity
from parley.api.entities.notification_types import parley_group_key, parley_types
from parley.api.pagination import PAGED, Page, PageQuery, link_header
from parley.api.params import parse
from parley.api.v1.notifications import NotificationsQuery
from parley.errors import NotFound
from parley.http.auth import Viewer, raw_user_required, user_required
from parley.http.deps import AppSettings, DbSession, FastReader
from parley.http.openapi import body, query
from parley.http.responses import FastJSON, json_response
from parley.notifications import grouped
from parley.notifications import policy as policies

router = APIRouter()
LIMIT, MAX_LIMIT = 40, 80
EMPTY: dict[str, list[Any]] = {"accounts": [], "statuses": [], "notification_groups": []}


class PolicyForm(BaseModel):
    for_not_following: str | None = None
    for_not_followers: str | None = None
    for_new_accounts: str | None = None
    for_private_mentions: str | None = None
    for_limited_accounts: str | None = None


async def _policy_response(session: DbSession, viewer: Viewer) -> FastJSON:
    policy = await policies.get_policy(session, account_id=viewer.id)
    requests, waiting = await policies.policy_summary(session, account_id=viewer.id)
    return json_response(policy_entity(policy, pending_requests=requests,
                                       pending_notifications=waiting))


@router.get("/api/v2/notifications/policy")
async def get_policy(session: DbSession,
                     viewer: Viewer = Depends(user_required("read:notifications"))) -> FastJSON:
    return await _policy_response(session, viewer)


@router.patch("/api/v2/notifications/policy", openapi_extra=body(PolicyForm))
@router.put("/api/v2/notifications/policy", openapi_extra=body(PolicyForm))
async def update_policy(request: Request, session: DbSession,
                        viewer: Viewer = Depends(user_required("write:notifications"))
                        ) -> FastJSON:
    form = await parse(request, PolicyForm)
    await policies.update_policy(session, account_id=viewer.id, changes=form.model_dump())
    return await _policy_response(session, viewer)


class GroupedQuery(NotificationsQuery):
    # None: group every type Parley groups; a list: only those (a client's choice).
    grouped_types: list[str] | None = Field(default=None, max_length=50)
    expand_accounts: ExpandAccounts = "full"

    @field_validator("grouped_types", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @property
    def parley_grouped_types(self) -> list[str] | None:
        return None if self.grouped_types is None else parley_types(self.grouped_types)


class GroupedUnreadQuery(GroupedQuery):
    limit: int = Field(default=100, ge=1, le=1000)


@router.get("/api/v2/notifications/unread_count", openapi_extra=query(GroupedUnreadQuery))
async def unread_count(request: Request, session: DbSession,
                       viewer: Viewer = Depends(user_required("read:notifications"))
                       ) -> FastJSON:
    """Groups with notifications after the notifications marker, up to `limit`."""
    query = await parse(request, GroupedUnreadQuery)
    try:
        filters = query.notification_filter()
    except NotFound:
        return json_response({"count": 0})
    count = await grouped.unread_group_count(session, viewer_id=viewer.id, filters=filters,
                                             grouped_types=query.parley_grouped_types,
                                             limit=query.limit)
    return json_response({"count": count})


@router.get("/api/v2/notifications", openapi_extra=query(GroupedQuery, PageQuery))
async def list_groups(request: Request, reader: FastReader, settings: AppSettings,
                      viewer: Viewer = Depends(raw_user_required("read:notifications"))
                      ) -> FastJSON:
    query = await parse(request, GroupedQuery)
    try:
        filters = query.notification_filter()
    except NotFound:
        return json_response(EMPTY)
    page = await grouped.list_groups(
        reader, viewer_id=viewer.id, filters=filters,
        grouped_types=query.parley_grouped_types,
        page=Page.from_request(request, default=LIMIT, maximum=MAX_LIMIT))
    body = await render_grouped(page, db=request.app.state.db, viewer_id=viewer.id,
                                settings=settings, expand_accounts=query.expand_accounts)
    return json_response(body, link=link_header(request, page.cursors))


@router.get("/api/v2/notifications/{group_key}")
async def get_group(group_key: str, request: Request, reader: FastReader,
                    settings: AppSettings,
                    viewer: Viewer = Depends(raw_user_required("read:notifications"))
                    ) -> FastJSON:
    page = await grouped.get_group(reader, viewer_id=viewer.id,
                                   group_key=parley_group_key(group_key))
    body = await render_grouped(page, db=request.app.state.db, viewer_id=viewer.id,
                                settings=settings, paginated=False)
    if not body["notification_groups"]:
        raise NotFound()
    return json_response(body)


@router.get("/api/v2/notifications/{group_key}/accounts", openapi_extra=PAGED)
async def group_accounts(group_key: str, request: Request, reader: FastReader,
                         settings: AppSettings,
                         viewer: Viewer = Depends(raw_user_required("read:notifications"))
                         ) -> FastJSON:
    rows = await grouped.group_accounts(
        reader, viewer_id=viewer.id, group_key=parley_group_key(group_key),
        page=Page.from_request(request, default=LIMIT, maximum=MAX_LIMIT))
    return json_response([account_entity(account, settings) for _id, account in rows],
                         link=link_header(request, [cursor for cursor, _account in rows]))


@router.post("/api/v2/notifications/{group_key}/dismiss")
async def dismiss_group(group_key: str, session: DbSession,
                        viewer: Viewer = Depends(user_required("write:notifications"))
                        ) -> FastJSON:
    await grouped.dismiss_group(session, viewer_id=viewer.id,
                                group_key=parley_group_key(group_key))
    return json_response({})
