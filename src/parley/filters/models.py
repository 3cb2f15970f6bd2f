"""Filter, FilterKeyword and FilterStatus tables: what someone asked not to see (or to be
warned about), where, and until when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parley.lib.timefmt import utcnow
from parley.store.database import Base

FILTER_CONTEXTS = ("home", "notifications", "public", "thread", "account")
FILTER_ACTIONS = ("warn", "hide", "blur")


class Filter(Base):
    """A named group of keywords and posts, applied in `context` until `expires_at`."""

    __tablename__ = "filters"
    __table_args__ = (Index("ix_filters_account_id_id", "account_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(255))
    context: Mapped[list[str]] = mapped_column(JSON, default=list)
    action: Mapped[str] = mapped_column(String(16), default="warn")
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FilterKeyword(Base):
    """A word or phrase; `whole_word` matches it only between word boundaries."""

    __tablename__ = "filter_keywords"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    filter_id: Mapped[int] = mapped_column(ForeignKey("filters.id", ondelete="CASCADE"),
                                           index=True)
    keyword: Mapped[str] = mapped_column(String(255))
    whole_word: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FilterStatus(Base):
    """One post the filter applies to, whatever its words."""

    __tablename__ = "filter_statuses"
    __table_args__ = (
        UniqueConstraint("filter_id", "post_id", name="uq_filter_statuses_filter_post"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    filter_id: Mapped[int] = mapped_column(ForeignKey("filters.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                         index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
