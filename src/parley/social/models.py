"""Follow table: accepted follows and pending requests, with where each came from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parley.db import Base
from parley.lib.timefmt import utcnow

FOLLOW_SOURCES = ("profile", "post", "repost", "search", "suggestion", "api", "import")


class Follow(Base):
    """account_id follows target_account_id; state is 'pending' until a locked target accepts."""

    __tablename__ = "follows"
    __table_args__ = (
        UniqueConstraint("account_id", "target_account_id", name="uq_follows_account_target"),
        Index("ix_follows_target_state_account", "target_account_id", "state", "account_id"),
        Index("ix_follows_account_state_target", "account_id", "state", "target_account_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    target_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default="accepted")
    source: Mapped[str] = mapped_column(String(32), default="api")
    source_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), default=None
    )
    show_reposts: Mapped[bool] = mapped_column(Boolean, default=True)
    notify: Mapped[bool] = mapped_column(Boolean, default=False)
    uri: Mapped[str | None] = mapped_column(String(2048), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
