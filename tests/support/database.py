"""Direct access to the live server's database from a (synchronous) test: rows the API cannot
make yet (remote accounts and posts), and waiting until background jobs have run."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

import parley.models  # noqa: F401  (every table, so that foreign keys resolve)
from parley.jobs.models import Job
from parley.store.database import Database
from parley.store.dialect import engine_url

T = TypeVar("T")


class ServerDatabase:
    """A connection to the server's database on a private event loop; close() when done."""

    def __init__(self, database_url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.db = Database(engine_url(database_url))

    def write(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run `work` in one committed write transaction."""

        async def run() -> T:
            async with self.db.write() as session:
                return await work(session)

        return self.loop.run_until_complete(run())

    def read(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        async def run() -> T:
            async with self.db.read() as session:
                return await work(session)

        return self.loop.run_until_complete(run())

    def pending_jobs(self) -> int:
        """Jobs running, or queued, due and not failed yet (failed ones wait for a retry much
        later, and jobs due later, such as media's hourly sweep, would only make tests slow)."""

        async def count(session: AsyncSession) -> Any:
            return await session.scalar(select(func.count()).select_from(Job).where(or_(
                Job.state == "running",
                and_(Job.state == "queued", Job.last_error.is_(None),
                     Job.run_at <= datetime.now(UTC)))))

        return int(self.read(count) or 0)

    def wait_for_jobs(self, timeout: float = 20.0) -> None:
        """Until every background job enqueued so far has run (fan-out, merges)."""
        deadline = time.monotonic() + timeout
        while self.pending_jobs() and time.monotonic() < deadline:
            time.sleep(0.01)

    def close(self) -> None:
        self.loop.run_until_complete(self.db.dispose())
        self.loop.close()
