"""Private notes: what one account writes for itself about another (Relationship.note)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from parley.errors import Invalid
from parley.lib.ids import new_id
from parley.lib.timefmt import utcnow
from parley.store.database import Base

MAX_NOTE_LENGTH = 2000  # Mastodon's AccountNote limit


class AccountNote(Base):
    """account_id's note on target_account_id, seen only by account_id."""

    __tablename__ = "account_notes"
    __table_args__ = (
        UniqueConstraint("account_id", "target_account_id",
                         name="uq_account_notes_account_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    target_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    comment: Mapped[str] = mapped_column(String(MAX_NOTE_LENGTH))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


async def set_note(session: AsyncSession, *, account_id: int, target_id: int,
                   comment: str) -> None:
    """Write (or, with an empty comment, remove) the account's note on the target."""
    comment = comment.strip()
    if len(comment) > MAX_NOTE_LENGTH:
        raise Invalid(f"Validation failed: Comment is too long (maximum is "
                      f"{MAX_NOTE_LENGTH} characters)")
    existing = await session.scalar(select(AccountNote).where(
        AccountNote.account_id == account_id, AccountNote.target_account_id == target_id))
    if not comment:
        if existing is not None:
            await session.execute(delete(AccountNote).where(AccountNote.id == existing.id))
        return
    if existing is None:
        session.add(AccountNote(id=new_id(), account_id=account_id,
                                target_account_id=target_id, comment=comment))
    else:
        existing.comment = comment
        existing.updated_at = utcnow()
    await session.flush()


async def notes_among(session: AsyncSession, *, account_id: int, target_ids: Sequence[int]
                      ) -> dict[int, str]:
    """The account's notes on these targets, in one query (absent: no note)."""
    if not target_ids:
        return {}
    rows = await session.execute(select(AccountNote.target_account_id, AccountNote.comment)
                                 .where(AccountNote.account_id == account_id,
                                        AccountNote.target_account_id.in_(target_ids)))
    return dict(rows.tuples().all())
