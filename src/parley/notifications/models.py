"""Notification, policy, request, permission and marker tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from parley.lib.timefmt import utcnow
from parley.store.database import Base

# Stored in Parley's words (like, repost, post); api/ says them in Mastodon's.
NOTIFICATION_TYPES = (
    "mention", "post", "repost", "follow", "follow_request", "like", "update", "quote",
    "quoted_update", "admin.sign_up", "admin.report", "poll",
)


class Notification(Base):
    """Something account_id should know: from_account_id did `type` (to post_id)."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_account_id_id", "account_id", "id"),
        # Grouped notifications read a group's members (and find a key's latest bucket).
        Index("ix_notifications_account_id_group_key_id", "account_id", "group_key", "id"),
        UniqueConstraint(
            "account_id", "type", "from_account_id", "post_id", name="uq_notifications_activity"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    from_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(32))
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), default=None, index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Shared by similar notifications (grouping.py); NULL: a group of its own.
    group_key: Mapped[str | None] = mapped_column(String(96), default=None)
    # Held back by the recipient's notification policy, listed under a request instead.
    filtered: Mapped[bool] = mapped_column(Boolean, default=False)
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), default=None, index=True
    )


POLICY_VALUES = ("accept", "filter", "drop")


class NotificationPolicy(Base):
    """What the account does with notifications from strangers (absent: the defaults)."""

    __tablename__ = "notification_policies"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    for_not_following: Mapped[str] = mapped_column(String(8), default="accept")
    for_not_followers: Mapped[str] = mapped_column(String(8), default="accept")
    for_new_accounts: Mapped[str] = mapped_column(String(8), default="accept")
    for_private_mentions: Mapped[str] = mapped_column(String(8), default="filter")
    for_limited_accounts: Mapped[str] = mapped_column(String(8), default="filter")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NotificationRequest(Base):
    """Filtered notifications from one sender, waiting for the recipient to accept or dismiss."""

    __tablename__ = "notification_requests"
    __table_args__ = (
        UniqueConstraint("account_id", "from_account_id",
                         name="uq_notification_requests_account_from"),
        Index("ix_notification_requests_account_id_id", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    from_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    last_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), default=None
    )
    notifications_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NotificationPermission(Base):
    """An accepted request: this sender's notifications always reach the account."""

    __tablename__ = "notification_permissions"
    __table_args__ = (PrimaryKeyConstraint("account_id", "from_account_id"),)

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    from_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


MARKER_TIMELINES = ("home", "notifications")


class Marker(Base):
    """Where the account stopped reading a timeline; version counts the moves."""

    __tablename__ = "markers"
    __table_args__ = (PrimaryKeyConstraint("account_id", "timeline"),)

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    timeline: Mapped[str] = mapped_column(String(16))
    last_read_id: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
