"""Home timeline tables: TimelineEntry (one row per home owner and post, filled by the fan-out
job) and BroadcastAccount (accounts whose posts home reads merge instead: hybrid fan-out)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, PrimaryKeyConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parley.lib.timefmt import utcnow
from parley.store.database import Base
from parley.store.sql import CLUSTERED_BY_KEY


class TimelineEntry(Base):
    """A post (or repost) in someone's home timeline; the PK is the page's range index.

    Derived data, so no foreign keys: an entry whose post is gone simply no longer joins
    posts (reads join them), and the PK is the only b-tree (WITHOUT ROWID on SQLite). Every
    other lookup goes through an owner's bounded range (the home cap keeps it short).
    """

    __tablename__ = "timeline_entries"
    __table_args__ = (PrimaryKeyConstraint("owner_id", "post_id"),
                      CLUSTERED_BY_KEY)

    owner_id: Mapped[int] = mapped_column(autoincrement=False)
    post_id: Mapped[int] = mapped_column(autoincrement=False)
    # The account whose post/repost put this here: unfollow deletes within the owner's range.
    author_id: Mapped[int] = mapped_column()


class BroadcastAccount(Base):
    """An account at or above settings.broadcast_threshold followers: its posts are not
    written into followers' homes; home reads merge its newest posts instead."""

    __tablename__ = "broadcast_accounts"

    account_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
