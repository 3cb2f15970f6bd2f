"""TagFollow and FeaturedTag tables: tags someone follows, and tags shown on a profile."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parley.lib.timefmt import utcnow
from parley.store.database import Base


class TagFollow(Base):
    """account_id follows tag_id: public posts carrying it reach that account's home."""

    __tablename__ = "tag_follows"
    __table_args__ = (
        UniqueConstraint("account_id", "tag_id", name="uq_tag_follows_account_id_tag_id"),
        Index("ix_tag_follows_account_id_id", "account_id", "id"),
        # Fan-out looks followers up by tag.
        Index("ix_tag_follows_tag_id_account_id", "tag_id", "account_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FeaturedTag(Base):
    """A tag account_id features on its profile (a link to its posts with that tag)."""

    __tablename__ = "featured_tags"
    __table_args__ = (
        UniqueConstraint("account_id", "tag_id", name="uq_featured_tags_account_id_tag_id"),
        Index("ix_featured_tags_tag_id", "tag_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
