"""The moderation pages for staff: the reports queue, a report with the actions on its
account (with a reason), and the audit log. The same moderation services as the admin API."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select
from starlette.responses import Response

from parley.accounts.models import Account
from parley.accounts.roles import Permission
from parley.errors import NotFound
from parley.http.deps import DbSession
from parley.lib.ids import parse_id
from parley.lib.paging import Page as Paging
from parley.moderation import accounts as moderation
from parley.moderation.audit import list_actions
from parley.moderation.service import (
    ReportFilter,
    get_report,
    handle_report,
    page_reports,
)
from parley.posts.models import Post
from parley.web.forms import form_fields
from parley.web.render import PageContext
from parley.web.routing import WebRoute
from parley.web.staff import require_staff, staff_path_id

router = APIRouter(route_class=WebRoute)
ACTION_LABELS = {"none": "Warn only (no change)", "sensitive": "Mark media as sensitive",
                 "disable": "Disable sign-in (signs out everywhere)",
                 "silence": "Limit (followers only)", "suspend": "Suspend (signs out everywhere)"}


@router.get("/admin")
async def admin_home(page: PageContext, db: DbSession) -> Response:
    staff = await require_staff(page, db, Permission.MANAGE_REPORTS)
    return page.redirect(staff.menu[0][0])


@router.get("/admin/reports")
async def reports_queue(page: PageContext, db: DbSession) -> Response:
    staff = await require_staff(page, db, Permission.MANAGE_REPORTS)
    resolved = page.request.query_params.get("resolved") == "1"
    reports = await page_reports(db, ReportFilter(resolved=resolved), Paging(limit=100))
    ids = {r.account_id for r in reports} | {r.target_account_id for r in reports}
    accounts = {a.id: a for a in (await db.scalars(
        select(Account).where(Account.id.in_(ids)))).all()} if ids else {}
    return page.render("admin_reports.html", reports=reports, accounts=accounts,
                       resolved=resolved, menu=staff.menu)


@router.get("/admin/reports/{report_id}")
async def report_page(report_id: str, page: PageContext, db: DbSession) -> Response:
    staff = await require_staff(page, db, Permission.MANAGE_REPORTS)
    report = await get_report(db, staff_path_id(report_id))
    target = await moderation.get_moderated(db, report.target_account_id)
    reporter = await db.get(Account, report.account_id)
    cited = [int(post_id) for post_id in report.post_ids]
    posts = (await db.scalars(select(Post).where(Post.id.in_(cited)))).all() if cited else []
    assigned = await db.get(Account, report.assigned_account_id) \
        if report.assigned_account_id else None
    return page.render("admin_report.html", report=report, target=target, reporter=reporter,
                       posts=posts, assigned=assigned, actions=ACTION_LABELS,
                       menu=staff.menu,
                       may_end_sessions=staff.role.may(Permission.MANAGE_USER_ACCESS))


@router.post("/admin/reports/{report_id}/{handling}")
async def handle(report_id: str, handling: str, page: PageContext, db: DbSession) -> Response:
    staff = await require_staff(page, db, Permission.MANAGE_REPORTS)
    page.require_csrf(await form_fields(page.request))
    if handling not in ("assign_to_self", "unassign", "resolve", "reopen"):
        raise NotFound()
    report = await handle_report(db, report_id=staff_path_id(report_id),
                                 moderator_id=staff.account.id,
                                 action=handling)
    return page.redirect(f"/admin/reports/{report.id}")


@router.post("/admin/accounts/{account_id}/action")
async def account_action(account_id: str, page: PageContext, db: DbSession) -> Response:
    staff = await require_staff(page, db, Permission.MANAGE_USERS)
    fields = await form_fields(page.request)
    page.require_csrf(fields)
    report_id = parse_id(fields.get("report_id"))
    await moderation.take_action(db, moderation.Staff(staff.account.id, staff.role),
                                 staff_path_id(account_id),
                                 action=fields.get("type", "none"),
                                 text=fields.get("text", "").strip()[:5000],
                                 report_id=report_id)
    return page.redirect(f"/admin/reports/{report_id}" if report_id else "/admin/log")


@router.post("/admin/accounts/{account_id}/end_sessions")
async def end_sessions(account_id: str, page: PageContext, db: DbSession) -> Response:
    """Sign the account's user out of every browser and app (Mastodon's "manage user
    access" permission: admins, not moderators, by default)."""
    staff = await require_staff(page, db, Permission.MANAGE_USER_ACCESS)
    fields = await form_fields(page.request)
    page.require_csrf(fields)
    await moderation.end_sessions(db, moderation.Staff(staff.account.id, staff.role),
                                  staff_path_id(account_id))
    report_id = parse_id(fields.get("report_id"))
    return page.redirect(f"/admin/reports/{report_id}" if report_id else "/admin/log")


@router.post("/admin/accounts/{account_id}/{undo}")
async def account_undo(account_id: str, undo: str, page: PageContext, db: DbSession
                       ) -> Response:
    staff = await require_staff(page, db, Permission.MANAGE_USERS)
    fields = await form_fields(page.request)
    page.require_csrf(fields)
    if undo not in moderation.UNDO:
        raise NotFound()
    await moderation.undo_action(db, moderation.Staff(staff.account.id, staff.role),
                                 staff_path_id(account_id),
                                 undo=undo)
    report_id = parse_id(fields.get("report_id"))
    return page.redirect(f"/admin/reports/{report_id}" if report_id else "/admin/log")


@router.get("/admin/log")
async def audit_log(page: PageContext, db: DbSession) -> Response:
    staff = await require_staff(page, db, Permission.VIEW_AUDIT_LOG)
    entries = await list_actions(db, Paging.from_request(page.request, default=100,
                                                         maximum=200))
    actor_ids = {e.account_id for e in entries if e.account_id is not None}
    actors = {a.id: a for a in (await db.scalars(
        select(Account).where(Account.id.in_(actor_ids)))).all()} if actor_ids else {}
    return page.render("admin_log.html", entries=entries, actors=actors, menu=staff.menu)
