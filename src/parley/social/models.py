"""Follow, Block, Mute and DomainBlock tables: how accounts stand towards each other."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parley.lib.timefmt import utcnow
from parley.store.database import Base
from parley.store.sql import partial_index_where

FOLLOW_SOURCES = ("profile", "post", "repost", "search", "suggestion", "api", "import")


class Follow(Base):
    """account_id follows target_account_id; state is 'pending' until a locked target accepts."""

    __tablename__ = "follows"
    __table_args__ = (
        UniqueConstraint("account_id", "target_account_id", name="uq_follows_account_target"),
        Index("ix_follows_target_state_account", "target_account_id", "state", "account_id"),
        Index("ix_follows_account_state_target", "account_id", "state", "target_account_id"),
        # The few followers who asked to hear of every post: the fan-out's `notify` lookup
        # (migration 0002). The condition is written as the queries write it, so both
        # databases prove the partial index usable; `state` makes SQLite prefer it.
        Index("ix_follows_notify_target_account", "target_account_id", "state", "account_id",
              **partial_index_where("notify IS_TRUE")),
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


class Block(Base):
    """account_id blocks target_account_id: neither sees the other, follows are gone."""

    __tablename__ = "blocks"
    __table_args__ = (
        UniqueConstraint("account_id", "target_account_id", name="uq_blocks_account_target"),
        Index("ix_blocks_target_account", "target_account_id", "account_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    target_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Mute(Base):
    """account_id mutes target_account_id until expires_at (NULL: until unmuted); with
    `notifications` the target's notifications are muted as well as its posts."""

    __tablename__ = "mutes"
    __table_args__ = (
        UniqueConstraint("account_id", "target_account_id", name="uq_mutes_account_target"),
        # Who mutes an author: the fan-out's exclusion set (migration 0002).
        Index("ix_mutes_target_account", "target_account_id", "account_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    target_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    notifications: Mapped[bool] = mapped_column(Boolean, default=True)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DomainBlock(Base):
    """An account hides a whole remote domain (lower-case host) from itself."""

    __tablename__ = "account_domain_blocks"
    __table_args__ = (
        UniqueConstraint("account_id", "domain", name="uq_account_domain_blocks_account_domain"),
        # Who blocks an author's domain: the fan-out's exclusion set (migration 0002).
        Index("ix_account_domain_blocks_domain", "domain", "account_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    domain: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
