"""Starting thread refreshes: the federation side of http/refresh.py's seam. Viewing a
thread whose root (or the post viewed) is remote queues one detached fetch of the thread
from its servers (threads_in), at most once per thread every REFRESH_EVERY; a refresh is
known to clients by a random id, which says nothing about the thread."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select, update

from parley.config import Settings
from parley.federation.thread_refreshes import REFRESH_EVERY, ThreadRefresh, is_running
from parley.federation.threads_in import REFRESH_THREAD, RefreshJob
from parley.http.refresh import AsyncRefresh
from parley.jobs.queue import enqueue
from parley.lib.timefmt import as_utc, utcnow
from parley.posts.models import DISTRIBUTABLE, Post
from parley.store.database import Database
from parley.store.dialect import dialect_of


def _shown(refresh: ThreadRefresh) -> AsyncRefresh:
    return AsyncRefresh(refresh.refresh_id, is_running(refresh), refresh.result_count)


class ThreadRefreshes:
    """The refresher app.py installs (app.state.thread_refresher)."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db, self.settings = db, settings

    async def start(self, post_id: int) -> AsyncRefresh | None:
        if not self.settings.federation:
            return None
        thread_id = await self._remote_thread(post_id)
        if thread_id is None:
            return None
        async with self.db.read() as session:  # most views find it refreshed lately
            last = await session.get(ThreadRefresh, thread_id)
        if last is not None and (is_running(last)
                                 or utcnow() - as_utc(last.requested_at) < REFRESH_EVERY):
            return _shown(last) if is_running(last) else None
        return await self._claim(thread_id, post_id)

    async def _claim(self, thread_id: int, post_id: int) -> AsyncRefresh | None:
        """Start the thread's refresh, unless a racing view just did."""
        refresh_id, now = secrets.token_urlsafe(24), utcnow()
        async with self.db.write() as session:
            claimed = await session.scalar(
                dialect_of(session).insert_ignoring(
                    ThreadRefresh, ["thread_id"], [ThreadRefresh.thread_id]),
                {"thread_id": thread_id, "refresh_id": refresh_id, "requested_at": now,
                 "finished_at": None, "result_count": 0})
            if claimed is None:  # refreshed before: again when due (none runs by then)
                claimed = await session.scalar(
                    update(ThreadRefresh).where(
                        ThreadRefresh.thread_id == thread_id,
                        ThreadRefresh.requested_at < now - REFRESH_EVERY)
                    .values(refresh_id=refresh_id, requested_at=now, finished_at=None,
                            result_count=0)
                    .returning(ThreadRefresh.thread_id))
            if claimed is not None:
                await enqueue(session, REFRESH_THREAD, RefreshJob(thread_id, post_id,
                                                                  refresh_id))
                return AsyncRefresh(refresh_id, True, 0)
            current = await session.get(ThreadRefresh, thread_id)
        return _shown(current) if current is not None and is_running(current) else None

    async def _remote_thread(self, post_id: int) -> int | None:
        """The thread's id when the post or its root is another server's and public or
        unlisted (what can be fetched again); None otherwise."""
        async with self.db.read() as session:
            post = (await session.execute(select(Post.thread_id, Post.domain, Post.visibility)
                                          .where(Post.id == post_id))).first()
            if post is None:
                return None
            root = (await session.execute(select(Post.domain, Post.visibility)
                                          .where(Post.id == post.thread_id))).first()
        starts: list[Any] = [row for row in (root, post) if row is not None and row.domain]
        if not starts or starts[0].visibility not in DISTRIBUTABLE:
            return None
        thread_id: int = post.thread_id
        return thread_id

    async def get(self, refresh_id: str) -> AsyncRefresh | None:
        if len(refresh_id) > 64:
            return None
        async with self.db.read() as session:
            refresh = await session.scalar(select(ThreadRefresh).where(
                ThreadRefresh.refresh_id == refresh_id))
        return _shown(refresh) if refresh is not None else None


def thread_refresher(db: Database, settings: Settings) -> ThreadRefreshes:
    return ThreadRefreshes(db, settings)
