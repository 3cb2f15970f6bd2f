"""The staff pages for what the server tells everyone: its rules (write, edit, reorder,
retire) and its announcements (write, schedule, publish, edit, delete). The same services
as the API and the CLI; every change goes to the audit log."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from fastapi import APIRouter
from starlette.responses import Response

from parley.accounts.roles import Permission
from parley.announcements import service as announcements
from parley.errors import Invalid, NotFound
from parley.http.deps import DbSession
from parley.moderation import rules
from parley.moderation.audit import log_action
from parley.web.forms import checked, form_fields, local_moment
from parley.web.render import PageContext
from parley.web.routing import WebRoute
from parley.web.staff import StaffMember, require_staff, staff_path_id

router = APIRouter(route_class=WebRoute)
RULE_ACTIONS = ("edit", "up", "down", "delete")
ANNOUNCEMENT_ACTIONS = ("edit", "delete")


Change = Callable[[dict[str, str]], Awaitable[object]]
Again = Callable[[str, dict[str, str]], Awaitable[Response]]


async def _submit(page: PageContext, db: DbSession, change: Change, *, back: str,
                  again: Again) -> Response:
    """One staff form: checked, applied in its own savepoint, then back to the list; a
    refusal shows the list again with the reason and what was typed."""
    fields = await form_fields(page.request)
    page.require_csrf(fields)
    try:
        async with db.begin_nested():
            await change(fields)
    except Invalid as exc:
        return await again(exc.message, fields)
    return page.redirect(back)


async def _rules_page(page: PageContext, db: DbSession, staff: StaffMember, *,
                      error: str | None = None, draft: dict[str, str] | None = None
                      ) -> Response:
    return page.render("admin_rules.html", status=422 if error else 200, error=error,
                       rules=await rules.rules_in_force(db), draft=draft or {},
                       menu=staff.menu, max_text=rules.MAX_TEXT)


@router.get("/admin/rules")
async def rules_page(page: PageContext, db: DbSession) -> Response:
    staff = await require_staff(page, db, Permission.MANAGE_RULES)
    return await _rules_page(page, db, staff)


@router.post("/admin/rules")
async def add_rule(page: PageContext, db: DbSession) -> Response:
    staff = await require_staff(page, db, Permission.MANAGE_RULES)

    async def change(fields: dict[str, str]) -> None:
        await rules.add_rule(db, actor_id=staff.account.id, text=fields.get("text", ""),
                             hint=fields.get("hint", ""))

    async def again(error: str, fields: dict[str, str]) -> Response:
        return await _rules_page(page, db, staff, error=error, draft=fields)

    return await _submit(page, db, change, back="/admin/rules", again=again)


@router.post("/admin/rules/{rule_id}/{action}")
async def change_rule(rule_id: str, action: str, page: PageContext, db: DbSession
                      ) -> Response:
    staff = await require_staff(page, db, Permission.MANAGE_RULES)
    if action not in RULE_ACTIONS:
        raise NotFound()
    target, actor = staff_path_id(rule_id), staff.account.id

    async def change(fields: dict[str, str]) -> None:
        if action == "edit":
            await rules.edit_rule(db, actor_id=actor, rule_id=target,
                                  text=fields.get("text", ""), hint=fields.get("hint", ""))
        elif action == "delete":
            await rules.retire_rule(db, actor_id=actor, rule_id=target)
        else:
            await rules.move_rule(db, actor_id=actor, rule_id=target, up=action == "up")

    async def again(error: str, _fields: dict[str, str]) -> Response:
        return await _rules_page(page, db, staff, error=error)

    return await _submit(page, db, change, back="/admin/rules", again=again)


def _moment(fields: dict[str, str], name: str) -> datetime | None:
    value = fields.get(name, "").strip()
    return local_moment(value, fields.get("tz_offset", "")) if value else None


def _announcement(fields: dict[str, str]) -> announcements.AnnouncementDraft:
    """The form as a draft: an empty date clears nothing, so an edit keeps what was set."""
    return announcements.AnnouncementDraft(
        text=fields.get("text", ""), starts_at=_moment(fields, "starts_at"),
        ends_at=_moment(fields, "ends_at"), all_day=checked(fields, "all_day"),
        published=checked(fields, "published"))


async def _announcements_page(page: PageContext, db: DbSession, staff: StaffMember, *,
                              error: str | None = None, draft: dict[str, str] | None = None
                              ) -> Response:
    return page.render("admin_announcements.html", status=422 if error else 200,
                       error=error, announcements=await announcements.all_announcements(db),
                       draft=draft or {"published": "on"}, menu=staff.menu)


@router.get("/admin/announcements")
async def announcements_page(page: PageContext, db: DbSession) -> Response:
    staff = await require_staff(page, db, Permission.MANAGE_ANNOUNCEMENTS)
    return await _announcements_page(page, db, staff)


@router.post("/admin/announcements")
async def add_announcement(page: PageContext, db: DbSession) -> Response:
    staff = await require_staff(page, db, Permission.MANAGE_ANNOUNCEMENTS)

    async def change(fields: dict[str, str]) -> None:
        row = await announcements.create_announcement(db, _announcement(fields))
        await log_action(db, actor_id=staff.account.id, action="create_announcement",
                         target_type="announcement", target_id=row.id, label=row.text)

    async def again(error: str, fields: dict[str, str]) -> Response:
        return await _announcements_page(page, db, staff, error=error, draft=fields)

    return await _submit(page, db, change, back="/admin/announcements", again=again)


@router.post("/admin/announcements/{announcement_id}/{action}")
async def change_announcement(announcement_id: str, action: str, page: PageContext,
                              db: DbSession) -> Response:
    staff = await require_staff(page, db, Permission.MANAGE_ANNOUNCEMENTS)
    if action not in ANNOUNCEMENT_ACTIONS:
        raise NotFound()
    target = staff_path_id(announcement_id)

    async def change(fields: dict[str, str]) -> None:
        label = (await announcements.get_announcement(db, target)).text
        if action == "delete":
            await announcements.delete_announcement(db, target)
        else:
            await announcements.update_announcement(db, target, _announcement(fields))
        await log_action(db, actor_id=staff.account.id,
                         action=f"{'destroy' if action == 'delete' else 'update'}_announcement",
                         target_type="announcement", target_id=target, label=label)

    async def again(error: str, _fields: dict[str, str]) -> Response:
        return await _announcements_page(page, db, staff, error=error)

    return await _submit(page, db, change, back="/admin/announcements", again=again)
