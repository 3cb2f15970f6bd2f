"""PostPin and Endorsement tables: the posts and accounts a profile features."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parley.lib.timefmt import utcnow
from parley.store.database import Base


class PostPin(Base):
    """account_id pinned its own post post_id; the id orders pins, newest first."""

    __tablename__ = "post_pins"
    __table_args__ = (
        UniqueConstraint("account_id", "post_id", name="uq_post_pins_account_id_post_id"),
        Index("ix_post_pins_post_id", "post_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Endorsement(Base):
    """account_id recommends (Mastodon: endorses, pins) target_account_id on its profile."""

    __tablename__ = "endorsements"
    __table_args__ = (
        UniqueConstraint("account_id", "target_account_id",
                         name="uq_endorsements_account_id_target_account_id"),
        Index("ix_endorsements_target_account_id", "target_account_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    target_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
