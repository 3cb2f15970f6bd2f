"""WaitingDismissal table: posts someone chose to set aside from "Waiting for you"."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, PrimaryKeyConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parley.lib.timefmt import utcnow
from parley.posts.models import Post
from parley.store.database import Base


class WaitingDismissal(Base):
    """account_id dismissed post_id: it no longer waits for their answer."""

    __tablename__ = "waiting_dismissals"
    __table_args__ = (PrimaryKeyConstraint("account_id", "post_id"),)

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# "Replies to me" is a range scan of this index; it lives here because only "Waiting for you" asks.
Index("ix_posts_in_reply_to_account_id_id", Post.in_reply_to_account_id, Post.id)
