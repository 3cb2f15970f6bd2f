"""Mastodon admin API: accounts (v1 and v2 lists, show) and the actions on them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from parley.accounts.roles import Permission
from parley.api.entities.admin_accounts import admin_account_entity
from parley.api.pagination import Page, PageQuery, link_header
from parley.api.params import parse
from parley.http.auth import StaffViewer, staff_required
from parley.http.deps import AppSettings, DbSession, path_id
from parley.http.openapi import body, query
from parley.http.responses import FastJSON, json_response
from parley.moderation import accounts as moderation
from parley.moderation.accounts import AccountFilter, Staff

router = APIRouter()
READ = staff_required("admin:read:accounts", Permission.MANAGE_USERS)
WRITE = staff_required("admin:write:accounts", Permission.MANAGE_USERS)
# Mastodon's admin lists: 100 accounts by default, at most 200.
DEFAULT_LIMIT, MAX_LIMIT = 100, 200
V1_STATUSES = ("active", "pending", "disabled", "silenced", "suspended", "sensitized")


def _staff(viewer: StaffViewer) -> Staff:
    return Staff(viewer.id, viewer.role)


class V1Filters(BaseModel):
    local: bool = False
    remote: bool = False
    by_domain: str | None = Field(default=None, max_length=255)
    active: bool = False
    pending: bool = False
    disabled: bool = False
    sensitized: bool = False
    silenced: bool = False
    suspended: bool = False
    staff: bool = False
    username: str | None = Field(default=None, max_length=255)
    display_name: str | None = Field(default=None, max_length=255)
    email: str | None = Field(default=None, max_length=320)
    ip: str | None = Field(default=None, max_length=64)

    def filters(self) -> AccountFilter:
        status = next((name for name in V1_STATUSES if getattr(self, name)), None)
        origin = "local" if self.local else "remote" if self.remote else None
        return AccountFilter(origin=origin, status=status, staff=self.staff,
                             username=self.username, display_name=self.display_name,
                             email=self.email, by_domain=self.by_domain)


class V2Filters(BaseModel):
    origin: str | None = Field(default=None, pattern="^(local|remote)$")
    status: str | None = Field(default=None, pattern="^(active|pending|disabled|silenced|"
                                                     "suspended)$")
    permissions: str | None = Field(default=None, pattern="^staff$")
    role_ids: list[str] | str | None = None
    invited_by: str | None = None
    by_domain: str | None = Field(default=None, max_length=255)
    username: str | None = Field(default=None, max_length=255)
    display_name: str | None = Field(default=None, max_length=255)
    email: str | None = Field(default=None, max_length=320)
    ip: str | None = Field(default=None, max_length=64)

    def filters(self) -> AccountFilter:
        return AccountFilter(origin=self.origin, status=self.status,
                             staff=self.permissions == "staff", username=self.username,
                             display_name=self.display_name, email=self.email,
                             by_domain=self.by_domain)


async def _list(request: Request, session: DbSession, settings: AppSettings,
                filters: AccountFilter) -> FastJSON:
    page = Page.from_request(request, default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
    found = await moderation.list_accounts(session, filters, page)
    return json_response([admin_account_entity(item, settings) for item in found],
                         link=link_header(request, [item.account.id for item in found]))


@router.get("/api/v1/admin/accounts", openapi_extra=query(V1Filters, PageQuery))
async def list_v1(request: Request, session: DbSession, settings: AppSettings,
                  viewer: StaffViewer = Depends(READ)) -> FastJSON:
    return await _list(request, session, settings, (await parse(request, V1Filters)).filters())


@router.get("/api/v2/admin/accounts", openapi_extra=query(V2Filters, PageQuery))
async def list_v2(request: Request, session: DbSession, settings: AppSettings,
                  viewer: StaffViewer = Depends(READ)) -> FastJSON:
    return await _list(request, session, settings, (await parse(request, V2Filters)).filters())


@router.get("/api/v1/admin/accounts/{account_id}")
async def show(account_id: str, session: DbSession, settings: AppSettings,
               viewer: StaffViewer = Depends(READ)) -> FastJSON:
    found = await moderation.get_moderated(session, path_id(account_id))
    return json_response(admin_account_entity(found, settings))


class ActionForm(BaseModel):
    type: str = "none"
    report_id: str | int | None = None
    warning_preset_id: str | int | None = None
    text: str = Field(default="", max_length=5000)
    send_email_notification: bool = True


@router.post("/api/v1/admin/accounts/{account_id}/action", openapi_extra=body(ActionForm))
async def action(request: Request, account_id: str, session: DbSession,
                 viewer: StaffViewer = Depends(WRITE)) -> FastJSON:
    form = await parse(request, ActionForm)
    report_id = path_id(str(form.report_id)) if form.report_id not in (None, "") else None
    await moderation.take_action(session, _staff(viewer), path_id(account_id),
                                 action=form.type, text=form.text or "", report_id=report_id)
    return json_response({})


def _undo_route(undo: str) -> None:
    @router.post(f"/api/v1/admin/accounts/{{account_id}}/{undo}", name=f"admin_{undo}")
    async def route(account_id: str, session: DbSession, settings: AppSettings,
                    viewer: StaffViewer = Depends(WRITE)) -> FastJSON:
        found = await moderation.undo_action(session, _staff(viewer), path_id(account_id),
                                             undo=undo)
        return json_response(admin_account_entity(found, settings))


for _undo in moderation.UNDO:
    _undo_route(_undo)


@router.post("/api/v1/admin/accounts/{account_id}/approve")
async def approve(account_id: str, session: DbSession, settings: AppSettings,
                  viewer: StaffViewer = Depends(WRITE)) -> FastJSON:
    found = await moderation.approve(session, _staff(viewer), path_id(account_id))
    return json_response(admin_account_entity(found, settings))


@router.post("/api/v1/admin/accounts/{account_id}/reject")
async def reject(account_id: str, session: DbSession, settings: AppSettings,
                 viewer: StaffViewer = Depends(WRITE)) -> FastJSON:
    target = await moderation.get_moderated(session, path_id(account_id))
    rendered: dict[str, Any] = admin_account_entity(target, settings)  # before it is gone
    await moderation.reject(session, _staff(viewer), target.account.id)
    return json_response(rendered)

