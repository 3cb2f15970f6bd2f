"""Mastodon admin API: reports (list, show) and handling them (assign_to_self, unassign,
resolve, reopen)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from parley.accounts.roles import Permission
from parley.api.entities.admin_reports import render_admin_reports
from parley.api.pagination import Page, PageQuery, link_header
from parley.api.params import parse
from parley.http.auth import StaffViewer, staff_required
from parley.http.deps import AppSettings, DbSession, path_id
from parley.http.openapi import query
from parley.http.responses import FastJSON, json_response
from parley.moderation.models import Report
from parley.moderation.service import ReportFilter, get_report, handle_report, page_reports

router = APIRouter()
READ = staff_required("admin:read:reports", Permission.MANAGE_REPORTS)
WRITE = staff_required("admin:write:reports", Permission.MANAGE_REPORTS)
DEFAULT_LIMIT, MAX_LIMIT = 100, 200
HANDLINGS = ("assign_to_self", "unassign", "resolve", "reopen")


class ReportFilters(BaseModel):
    resolved: bool = False
    account_id: str | None = None
    target_account_id: str | None = None

    def filters(self) -> ReportFilter:
        return ReportFilter(
            resolved=self.resolved,
            account_id=path_id(self.account_id) if self.account_id else None,
            target_account_id=path_id(self.target_account_id)
            if self.target_account_id else None)


async def _one(session: DbSession, settings: AppSettings, viewer: StaffViewer,
               report: Report) -> FastJSON:
    [rendered] = await render_admin_reports(session, [report], viewer_id=viewer.id,
                                            settings=settings)
    return json_response(rendered)


@router.get("/api/v1/admin/reports", openapi_extra=query(ReportFilters, PageQuery))
async def list_reports(request: Request, session: DbSession, settings: AppSettings,
                       viewer: StaffViewer = Depends(READ)) -> FastJSON:
    filters = (await parse(request, ReportFilters)).filters()
    page = Page.from_request(request, default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
    reports = await page_reports(session, filters, page)
    rendered = await render_admin_reports(session, reports, viewer_id=viewer.id,
                                          settings=settings)
    return json_response(rendered, link=link_header(request, [r.id for r in reports]))


@router.get("/api/v1/admin/reports/{report_id}")
async def show_report(report_id: str, session: DbSession, settings: AppSettings,
                      viewer: StaffViewer = Depends(READ)) -> FastJSON:
    return await _one(session, settings, viewer, await get_report(session, path_id(report_id)))


def _handling_route(handling: str) -> None:
    @router.post(f"/api/v1/admin/reports/{{report_id}}/{handling}",
                 name=f"admin_report_{handling}")
    async def route(report_id: str, session: DbSession, settings: AppSettings,
                    viewer: StaffViewer = Depends(WRITE)) -> FastJSON:
        report = await handle_report(session, report_id=path_id(report_id),
                                     moderator_id=viewer.id, action=handling)
        return await _one(session, settings, viewer, report)


for _handling in HANDLINGS:
    _handling_route(_handling)
