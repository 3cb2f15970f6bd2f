"""Thread refreshes: when each thread with remote posts was last fetched again from its
servers (at most one refresh per thread every REFRESH_EVERY), the refresh's id that clients
poll, and how many posts it has brought so far."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import DateTime, ForeignKey, Integer, String, update
from sqlalchemy.orm import Mapped, mapped_column

from parley.lib.timefmt import as_utc, utcnow
from parley.store.database import Base, Database

REFRESH_EVERY = timedelta(minutes=5)
# A refresh not finished after this long was lost (its worker died): it is not reported as
# running any more. Shorter than REFRESH_EVERY, so a refresh that is due runs no more.
LOST_AFTER = timedelta(minutes=3)


class ThreadRefresh(Base):
    """The last refresh of a thread (by its root's id, posts.thread_id)."""

    __tablename__ = "thread_refreshes"

    thread_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    refresh_id: Mapped[str] = mapped_column(String(64), unique=True)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    result_count: Mapped[int] = mapped_column(Integer, default=0)


def is_running(refresh: ThreadRefresh) -> bool:
    return refresh.finished_at is None and utcnow() - as_utc(refresh.requested_at) < LOST_AFTER


async def count_found(db: Database, refresh_id: str) -> None:
    """One more post brought by the refresh (clients see the count while it runs)."""
    async with db.write() as session:
        await session.execute(update(ThreadRefresh).where(
            ThreadRefresh.refresh_id == refresh_id).values(
            result_count=ThreadRefresh.result_count + 1))


async def finish(db: Database, refresh_id: str) -> None:
    async with db.write() as session:
        await session.execute(update(ThreadRefresh).where(
            ThreadRefresh.refresh_id == refresh_id, ThreadRefresh.finished_at.is_(None))
            .values(finished_at=utcnow()))
