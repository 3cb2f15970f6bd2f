"""Roles of local users (owner, admin, moderator, user) and what each may do: Mastodon's
default roles and permission bits, fixed here rather than kept in a table."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntFlag
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import User


class Permission(IntFlag):
    """Mastodon's UserRole permission bits (the `permissions` of the Role entity)."""

    ADMINISTRATOR = 1 << 0
    VIEW_DEVOPS = 1 << 1
    VIEW_AUDIT_LOG = 1 << 2
    VIEW_DASHBOARD = 1 << 3
    MANAGE_REPORTS = 1 << 4
    MANAGE_FEDERATION = 1 << 5
    MANAGE_SETTINGS = 1 << 6
    MANAGE_BLOCKS = 1 << 7
    MANAGE_TAXONOMIES = 1 << 8
    MANAGE_APPEALS = 1 << 9
    MANAGE_USERS = 1 << 10
    MANAGE_INVITES = 1 << 11
    MANAGE_RULES = 1 << 12
    MANAGE_ANNOUNCEMENTS = 1 << 13
    MANAGE_CUSTOM_EMOJIS = 1 << 14
    MANAGE_WEBHOOKS = 1 << 15
    INVITE_USERS = 1 << 16
    MANAGE_ROLES = 1 << 17
    MANAGE_USER_ACCESS = 1 << 18
    DELETE_USER_DATA = 1 << 19


P = Permission


@dataclass(frozen=True)
class Role:
    """One of the fixed roles; `id` as Mastodon's seeded roles number them (-99: everyone)."""

    key: str
    id: int
    name: str
    permissions: Permission
    color: str = ""
    highlighted: bool = False

    def may(self, permission: Permission) -> bool:
        """Owners (ADMINISTRATOR) may do everything, as in Mastodon."""
        return bool(self.permissions & (permission | P.ADMINISTRATOR))

    def entity(self) -> dict[str, Any]:
        """Mastodon's Role entity."""
        return {"id": str(self.id), "name": self.name, "permissions": str(int(self.permissions)),
                "color": self.color, "highlighted": self.highlighted}


# The permissions Mastodon seeds its Moderator and Admin roles with.
_MODERATOR = (P.VIEW_DASHBOARD | P.VIEW_AUDIT_LOG | P.MANAGE_USERS | P.MANAGE_REPORTS
              | P.MANAGE_TAXONOMIES | P.INVITE_USERS)
_ADMIN = (_MODERATOR | P.VIEW_DEVOPS | P.MANAGE_USER_ACCESS | P.DELETE_USER_DATA
          | P.MANAGE_FEDERATION | P.MANAGE_SETTINGS | P.MANAGE_BLOCKS | P.MANAGE_APPEALS
          | P.MANAGE_RULES | P.MANAGE_INVITES | P.MANAGE_ANNOUNCEMENTS | P.MANAGE_CUSTOM_EMOJIS
          | P.MANAGE_WEBHOOKS)

ROLES = {
    "user": Role("user", -99, "", P.INVITE_USERS),
    "moderator": Role("moderator", 1, "Moderator", _MODERATOR),
    "admin": Role("admin", 2, "Admin", _ADMIN),
    "owner": Role("owner", 3, "Owner", P.ADMINISTRATOR),
}
ROLE_KEYS = tuple(ROLES)
# Roles that see the moderation tools and hear of sign-ups and reports.
STAFF_ROLES = ("moderator", "admin", "owner")


def role_of(key: str | None) -> Role:
    """The Role a users.role value names (anything unknown is a plain user)."""
    return ROLES.get(key or "user", ROLES["user"])


async def role_for(session: AsyncSession, account_id: int) -> Role:
    """The role of a local account's user (remote accounts and strangers: a plain user)."""
    return role_of(await session.scalar(select(User.role).where(User.account_id == account_id)))
