"""Mastodon's Admin::Account: an account as moderators see it (its user's e-mail, role and
standing)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account, User
from parley.api.entities.accounts import account_entity
from parley.config import Settings
from parley.lib.timefmt import iso
from parley.moderation.accounts import ModeratedAccount


def admin_account_entity(moderated: ModeratedAccount, settings: Settings) -> dict[str, Any]:
    account, user = moderated.account, moderated.user
    return {
        "id": str(account.id),
        "username": account.username,
        "domain": account.domain,
        "created_at": iso(account.created_at),
        "email": user.email if user else "",
        "ip": None,  # sign-in addresses are not kept
        "ips": [],
        "role": moderated.role.entity(),
        "confirmed": True,  # no e-mail confirmation step: every address counts as confirmed
        "suspended": account.suspended_at is not None,
        "silenced": account.silenced_at is not None,
        "sensitized": account.sensitized_at is not None,
        "disabled": bool(user and user.disabled),
        "approved": bool(user.approved) if user else True,
        "locale": user.locale if user else "",
        "invite_request": user.registration_reason if user else None,
        "created_by_application_id": None,
        "invited_by_account_id": None,
        "account": account_entity(account, settings),
    }


async def render_admin_accounts(session: AsyncSession, account_ids: Iterable[int | None],
                                settings: Settings) -> dict[int, dict[str, Any]]:
    """Admin::Account entities by id, in one query; accounts that are gone are missing."""
    wanted = {account_id for account_id in account_ids if account_id is not None}
    if not wanted:
        return {}
    rows = (await session.execute(
        select(Account, User).outerjoin(User, User.account_id == Account.id)
        .where(Account.id.in_(wanted)))).tuples().all()
    return {account.id: admin_account_entity(ModeratedAccount(account, user), settings)
            for account, user in rows}
