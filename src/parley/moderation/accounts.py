"""Moderating accounts: the actions staff take (none, sensitive, disable, silence, suspend),
undoing them, signing a user out everywhere, approving or rejecting sign-ups, and the admin's
account list. Each change is written to the audit log; the effects live in the rules that
read these columns (posts/visibility.py for suspended and silenced authors, oauth/tokens.py
for tokens)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from parley.accounts.models import Account, User
from parley.accounts.roles import STAFF_ROLES, Role, role_of
from parley.accounts.sessions import end_other_sessions
from parley.errors import Forbidden, Invalid, NotFound
from parley.lib.paging import Page
from parley.lib.timefmt import utcnow
from parley.moderation.audit import log_action
from parley.moderation.service import resolve_report
from parley.oauth.service import revoke_all_tokens

ACTIONS = ("none", "sensitive", "disable", "silence", "suspend")
# Actions that sign the user out everywhere: lifting them later lets the owner back in by
# signing in again, never a session or token from before (perhaps a thief's).
SIGNING_OUT = ("disable", "suspend")
UNDO = {"enable": "disable", "unsilence": "silence", "unsuspend": "suspend",
        "unsensitive": "sensitive"}
# How roles rank (Mastodon's positions): staff act only on accounts ranked below them.
_RANK = {"user": 0, "moderator": 10, "admin": 100, "owner": 1000}


@dataclass(frozen=True)
class Staff:
    """Who is acting: their account id and role."""

    account_id: int
    role: Role


@dataclass(frozen=True)
class ModeratedAccount:
    """An account with its user (None for a remote account), as the admin API shows it."""

    account: Account
    user: User | None

    @property
    def role(self) -> Role:
        return role_of(self.user.role if self.user else None)


async def get_moderated(session: AsyncSession, account_id: int) -> ModeratedAccount:
    account = await session.get(Account, account_id)
    if account is None:
        raise NotFound()
    return ModeratedAccount(account, await session.get(User, account_id))


def _may_act_on(staff: Staff, target: ModeratedAccount) -> None:
    """Mastodon's rule: a role overrides only the roles below it (nobody acts on themselves)."""
    if target.account.id == staff.account_id or (
            _RANK[staff.role.key] <= _RANK[target.role.key]):
        raise Forbidden()


async def take_action(session: AsyncSession, staff: Staff, account_id: int, *, action: str,
                      text: str = "", report_id: int | None = None) -> ModeratedAccount:
    """POST /api/v1/admin/accounts/:id/action: apply `action` (resolving the report it
    answers, if any)."""
    if action not in ACTIONS:
        raise Invalid(f"Validation failed: type must be one of {', '.join(ACTIONS)}")
    target = await get_moderated(session, account_id)
    _may_act_on(staff, target)
    now = utcnow()
    if action == "disable":
        if target.user is None:
            raise Invalid("Validation failed: only local accounts can be disabled")
        target.user.disabled = True
    elif action == "sensitive":
        target.account.sensitized_at = now
    elif action == "silence":
        target.account.silenced_at = now
    elif action == "suspend":
        target.account.suspended_at = now
    if action in SIGNING_OUT and target.user is not None:
        await _sign_out_everywhere(session, account_id)
    if report_id is not None:
        await resolve_report(session, report_id=report_id, moderator_id=staff.account_id)
        await log_action(session, actor_id=staff.account_id, action="resolve_report",
                         target_type="report", target_id=report_id,
                         label=target.account.acct)
    await log_action(session, actor_id=staff.account_id, action=action, target_type="account",
                     target_id=account_id, label=target.account.acct, text=text)
    await session.flush()
    return target


async def _sign_out_everywhere(session: AsyncSession, account_id: int) -> None:
    await end_other_sessions(session, account_id=account_id, keep_sid=None)
    await revoke_all_tokens(session, account_id=account_id)


async def end_sessions(session: AsyncSession, staff: Staff, account_id: int
                       ) -> ModeratedAccount:
    """Sign a local user out everywhere (every web session ends, every app token is revoked),
    e.g. after their account was taken over; they may sign in again."""
    target = await get_moderated(session, account_id)
    _may_act_on(staff, target)
    if target.user is None:
        raise Invalid("Validation failed: only local accounts have sessions")
    await _sign_out_everywhere(session, account_id)
    await log_action(session, actor_id=staff.account_id, action="end_sessions",
                     target_type="account", target_id=account_id, label=target.account.acct)
    return target


async def undo_action(session: AsyncSession, staff: Staff, account_id: int, *, undo: str
                      ) -> ModeratedAccount:
    """enable, unsilence, unsuspend, unsensitive."""
    target = await get_moderated(session, account_id)
    _may_act_on(staff, target)
    if undo == "enable":
        if target.user is not None:
            target.user.disabled = False
    elif undo == "unsilence":
        target.account.silenced_at = None
    elif undo == "unsuspend":
        target.account.suspended_at = None
    elif undo == "unsensitive":
        target.account.sensitized_at = None
    else:
        raise NotFound()
    await log_action(session, actor_id=staff.account_id, action=undo, target_type="account",
                     target_id=account_id, label=target.account.acct)
    await session.flush()
    return target


async def approve(session: AsyncSession, staff: Staff, account_id: int) -> ModeratedAccount:
    """Let a sign-up awaiting approval in."""
    target = await get_moderated(session, account_id)
    if target.user is None or target.user.approved:
        raise Forbidden()
    target.user.approved = True
    await log_action(session, actor_id=staff.account_id, action="approve",
                     target_type="account", target_id=account_id, label=target.account.acct)
    await session.flush()
    return target


async def reject(session: AsyncSession, staff: Staff, account_id: int) -> ModeratedAccount:
    """Refuse a sign-up awaiting approval: the account and its user are deleted."""
    target = await get_moderated(session, account_id)
    if target.user is None or target.user.approved:
        raise Forbidden()
    await log_action(session, actor_id=staff.account_id, action="reject",
                     target_type="account", target_id=account_id, label=target.account.acct)
    await session.execute(delete(Account).where(Account.id == account_id))
    return target


@dataclass(frozen=True)
class AccountFilter:
    """The admin list's filters (v1's booleans and v2's origin/status share them)."""

    origin: str | None = None  # local | remote
    status: str | None = None  # active | pending | disabled | silenced | suspended | sensitized
    staff: bool = False
    username: str | None = None
    display_name: str | None = None
    email: str | None = None
    by_domain: str | None = None


def _status_condition(status: str) -> ColumnElement[bool]:
    conditions: dict[str, ColumnElement[bool]] = {
        "active": Account.suspended_at.is_(None)
        & or_(User.account_id.is_(None), (User.approved.is_(True) & User.disabled.is_(False))),
        "pending": User.approved.is_(False),
        "disabled": User.disabled.is_(True),
        "silenced": Account.silenced_at.is_not(None),
        "suspended": Account.suspended_at.is_not(None),
        "sensitized": Account.sensitized_at.is_not(None),
    }
    if status not in conditions:
        raise Invalid(f"Validation failed: status must be one of {', '.join(conditions)}")
    return conditions[status]


def _conditions(filters: AccountFilter) -> list[Any]:
    found: list[Any] = []
    if filters.origin == "local":
        found.append(Account.domain.is_(None))
    elif filters.origin == "remote":
        found.append(Account.domain.is_not(None))
    if filters.status:
        found.append(_status_condition(filters.status))
    found.append(User.role.in_(STAFF_ROLES) if filters.staff else true())
    for column, value in ((Account.username, filters.username),
                          (Account.display_name, filters.display_name),
                          (User.email, filters.email)):
        if value:
            found.append(func.lower(column).contains(value.lower(), autoescape=True))
    if filters.by_domain:
        found.append(func.lower(Account.domain) == filters.by_domain.lower())
    return found


async def list_accounts(session: AsyncSession, filters: AccountFilter, page: Page
                        ) -> list[ModeratedAccount]:
    """Accounts newest first, filtered as the admin asks."""
    stmt = (select(Account, User).outerjoin(User, User.account_id == Account.id)
            .where(*_conditions(filters)))
    rows = (await session.execute(page.apply(stmt, Account.id))).tuples().all()
    return [ModeratedAccount(account, user) for account, user in page.arrange(rows)]
