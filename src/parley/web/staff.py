"""What every staff page needs: the signed-in member of staff with the permission the page
asks for (403 otherwise), and the moderation menu as that member's role allows it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.accounts.roles import Permission, Role, role_for
from parley.errors import Forbidden, NotFound
from parley.lib.ids import parse_id
from parley.web.render import Page

# The moderation menu: each page and the permission that opens it.
MENU = ((Permission.MANAGE_REPORTS, "/admin/reports", "Reports"),
        (Permission.MANAGE_RULES, "/admin/rules", "Server rules"),
        (Permission.MANAGE_ANNOUNCEMENTS, "/admin/announcements", "Announcements"),
        (Permission.VIEW_AUDIT_LOG, "/admin/log", "Audit log"))


@dataclass(frozen=True)
class StaffMember:
    account: Account
    role: Role

    @property
    def menu(self) -> list[tuple[str, str]]:
        return [(href, label) for permission, href, label in MENU if self.role.may(permission)]


async def require_staff(page: Page, db: AsyncSession, permission: Permission) -> StaffMember:
    account = page.require_account()
    role = await role_for(db, account.id)
    if not role.may(permission):
        raise Forbidden("Only moderators and administrators may see this page.")
    return StaffMember(account, role)


def staff_path_id(raw: str) -> int:
    """An id in a staff page's path; anything else is a 404."""
    parsed = parse_id(raw)
    if parsed is None:
        raise NotFound()
    return parsed
