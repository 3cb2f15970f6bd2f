"""Web sessions on the server: opened at sign-in, looked up with the account on every page,
ended by signing out, by a password change (the others), or all at once."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account, User, WebSessionRecord
from parley.lib.timefmt import utcnow


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


async def open_session(db: AsyncSession, *, sid: str, account_id: int, user_agent: str,
                       address: str) -> None:
    db.add(WebSessionRecord(id=_digest(sid), account_id=account_id,
                            user_agent=user_agent[:255], address=address[:64],
                            created_at=utcnow()))
    await db.flush()


async def signed_in_account(db: AsyncSession, *, sid: str, account_id: int) -> Account | None:
    """The session's account if the session is still open and its user may still act
    (approved, not disabled, not suspended), in one query."""
    row = (await db.execute(
        select(Account, User).join(User, User.account_id == Account.id)
        .join(WebSessionRecord, WebSessionRecord.account_id == Account.id)
        .where(Account.id == account_id, WebSessionRecord.id == _digest(sid)))).first()
    if row is None or row[1].disabled or not row[1].approved or row[0].suspended_at:
        return None
    account: Account = row[0]
    return account


async def end_session(db: AsyncSession, *, sid: str) -> None:
    await db.execute(delete(WebSessionRecord).where(WebSessionRecord.id == _digest(sid)))


async def end_other_sessions(db: AsyncSession, *, account_id: int, keep_sid: str | None
                             ) -> None:
    """Every session of the account but `keep_sid`'s (all of them when it is None)."""
    stmt = delete(WebSessionRecord).where(WebSessionRecord.account_id == account_id)
    if keep_sid is not None:
        stmt = stmt.where(WebSessionRecord.id != _digest(keep_sid))
    await db.execute(stmt)


async def list_sessions(db: AsyncSession, *, account_id: int) -> Sequence[WebSessionRecord]:
    return (await db.scalars(select(WebSessionRecord)
                             .where(WebSessionRecord.account_id == account_id)
                             .order_by(WebSessionRecord.created_at.desc()))).all()


def is_current(record: WebSessionRecord, sid: str | None) -> bool:
    return sid is not None and record.id == _digest(sid)
