"""SuggestionDismissal table: accounts someone asked never to be suggested again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, PrimaryKeyConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parley.lib.timefmt import utcnow
from parley.store.database import Base


class SuggestionDismissal(Base):
    """account_id dismissed target_account_id from its follow suggestions."""

    __tablename__ = "suggestion_dismissals"
    __table_args__ = (PrimaryKeyConstraint("account_id", "target_account_id"),)

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    target_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
