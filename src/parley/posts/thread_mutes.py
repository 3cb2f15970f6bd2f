"""Muted conversations: an account hears nothing more from a thread it muted (Mastodon's
status mute; Status.muted for the viewer). The notification rule reads `muted_thread`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, UniqueConstraint, delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from parley.lib.ids import new_id
from parley.lib.timefmt import utcnow
from parley.posts.lookup import get_proper_post
from parley.posts.models import Post
from parley.store.database import Base


class ThreadMute(Base):
    """account_id muted the thread whose root is thread_id (posts.thread_id)."""

    __tablename__ = "thread_mutes"
    __table_args__ = (
        UniqueConstraint("account_id", "thread_id", name="uq_thread_mutes_account_thread"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    thread_id: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def muted_thread(account_id: Any, thread_id: Any) -> ColumnElement[bool]:
    """Whether the account muted the thread (both may be columns or bound parameters)."""
    return exists(select(ThreadMute.id).where(ThreadMute.account_id == account_id,
                                              ThreadMute.thread_id == thread_id))


async def mute_thread(session: AsyncSession, *, actor_id: int, post_id: int) -> Post:
    """Mute the thread of a post the actor can see (a repost stands for its original);
    muting again changes nothing."""
    post = await get_proper_post(session, post_id, viewer_id=actor_id)
    try:
        async with session.begin_nested():
            session.add(ThreadMute(id=new_id(), account_id=actor_id, thread_id=post.thread_id))
    except IntegrityError:
        pass  # already muted (or a concurrent double click)
    return post


async def unmute_thread(session: AsyncSession, *, actor_id: int, post_id: int) -> Post:
    post = await get_proper_post(session, post_id, viewer_id=actor_id)
    await session.execute(delete(ThreadMute).where(ThreadMute.account_id == actor_id,
                                                   ThreadMute.thread_id == post.thread_id))
    return post
