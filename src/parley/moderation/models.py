"""Report table: one account tells the moderators about another (and some of its posts)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from parley.lib.timefmt import utcnow
from parley.store.database import Base

REPORT_CATEGORIES = ("spam", "legal", "violation", "other")


class Report(Base):
    """A report; it is open until a moderator resolves it (action_taken_at set)."""

    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_resolved_id", "action_taken", "id"),
        Index("ix_reports_target_account_id", "target_account_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                            index=True)
    target_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id",
                                                              ondelete="CASCADE"))
    # Post ids as strings: the posts may be deleted later, the report keeps what was cited.
    post_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    rule_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    category: Mapped[str] = mapped_column(String(16), default="other")
    comment: Mapped[str] = mapped_column(Text, default="")
    forwarded: Mapped[bool] = mapped_column(Boolean, default=False)
    action_taken: Mapped[bool] = mapped_column(Boolean, default=False)
    action_taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                             default=None)
    action_taken_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), default=None)
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
