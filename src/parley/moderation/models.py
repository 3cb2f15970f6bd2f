"""Moderation tables: reports (one account tells the moderators about another and some of
its posts), the audit log of what staff did, server-wide blocks and the server's rules."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
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
    # The moderator handling it (no foreign key: added in place by migration 0011).
    assigned_account_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AdminAction(Base):
    """One entry of the audit log: who (a staff account) did what to which target."""

    __tablename__ = "admin_actions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # Kept when the actor's account goes: the log outlives it.
    account_id: Mapped[int | None] = mapped_column(BigInteger, index=True, default=None)
    action: Mapped[str] = mapped_column(String(32))  # e.g. suspend, resolve_report
    target_type: Mapped[str] = mapped_column(String(32))  # account | report | ...
    target_id: Mapped[str] = mapped_column(String(64))
    # What the target was called then (a handle, a domain), for reading the log later.
    target_label: Mapped[str] = mapped_column(String(320), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class InstanceDomainBlock(Base):
    """The server refuses a domain (Mastodon's admin DomainBlock): silence or suspend its
    accounts, or only note it (noop). Users' own domain blocks are social/'s."""

    __tablename__ = "instance_domain_blocks"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    domain: Mapped[str] = mapped_column(String(255), unique=True)
    severity: Mapped[str] = mapped_column(String(16), default="silence")
    reject_media: Mapped[bool] = mapped_column(Boolean, default=False)
    reject_reports: Mapped[bool] = mapped_column(Boolean, default=False)
    private_comment: Mapped[str | None] = mapped_column(Text, default=None)
    public_comment: Mapped[str | None] = mapped_column(Text, default=None)
    obfuscate: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EmailDomainBlock(Base):
    """Sign-ups with an e-mail address at this domain (or a subdomain) are refused."""

    __tablename__ = "email_domain_blocks"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    domain: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IpBlock(Base):
    """An address range (CIDR) that may not sign up, must wait for approval, or has no
    access at all (sign-ins refused too); it may expire."""

    __tablename__ = "ip_blocks"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    ip: Mapped[str] = mapped_column(String(64))  # normalized CIDR, e.g. 192.0.2.0/24
    severity: Mapped[str] = mapped_column(String(32))
    comment: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ServerRule(Base):
    """One of the server's rules (Mastodon's Rule): shown at sign-up and in the instance
    entities, cited by reports. Deleting keeps the row (`deleted_at`), so the reports that
    cite it still say which rule they meant."""

    __tablename__ = "server_rules"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    text: Mapped[str] = mapped_column(Text)
    hint: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[int] = mapped_column(Integer, default=0)  # shown lowest first
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
