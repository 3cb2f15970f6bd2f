"""TimelineEntry: one row per (home timeline owner, post), filled by the fan-out job."""

from __future__ import annotations

from sqlalchemy import ForeignKey, PrimaryKeyConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parley.db import Base


class TimelineEntry(Base):
    """A post (or repost) in someone's home timeline; the PK is the page's range index."""

    __tablename__ = "timeline_entries"
    __table_args__ = (PrimaryKeyConstraint("owner_id", "post_id"),)

    owner_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    # The account whose post/repost put this here: lets unfollow remove entries in one delete.
    author_id: Mapped[int] = mapped_column(index=True)
