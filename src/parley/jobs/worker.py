"""The job worker: claims due jobs, runs each in its own transaction, retries with backoff."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import traceback
from contextlib import suppress
from typing import Any

from parley.config import Settings
from parley.db import JOBS_ENQUEUED, Database
from parley.jobs import queue
from parley.jobs.models import Job
from parley.jobs.registry import Handler, JobContext, build_registry

log = logging.getLogger("parley.jobs")


class Worker:
    """Runs jobs until stopped. In `parley run` it shares the web process's event loop."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.handlers: dict[str, Handler] = build_registry()
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    async def after_commit(self, info: dict[Any, Any]) -> None:
        """Database hook: a transaction in this process that enqueued jobs has committed."""
        if info.pop(JOBS_ENQUEUED, False):
            self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self.run_forever(), name="parley-worker")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def run_forever(self) -> None:
        while not self._stopping:
            try:
                ran = await self.run_once()
            except Exception:  # the loop must survive a database hiccup
                log.exception("job worker loop failed; retrying")
                ran = 0
            if ran == 0:
                self._wake.clear()
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.settings.worker_poll_interval)

    async def run_once(self) -> int:
        """Claim a batch and run it; returns how many jobs ran."""
        # Look before taking the write lock: an idle poll must not queue behind (or block)
        # the single SQLite writer that requests need.
        async with self.db.read() as session:
            if not await queue.any_due(session):
                return 0
        async with self.db.write() as session:
            jobs = await queue.claim(session, self.name, self.settings.worker_concurrency,
                                     skip_locked=not self.db.is_sqlite)
        if not jobs:
            return 0
        if self.db.is_sqlite:  # one writer: running them side by side would only queue
            for job in jobs:
                await self._run(job)
        else:
            await asyncio.gather(*(self._run(job) for job in jobs))
        return len(jobs)

    async def _run(self, job: Job) -> None:
        handler = self.handlers.get(job.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            async with self.db.write() as session:
                await handler(JobContext(session=session, settings=self.settings), job.payload)
                await queue.complete(session, job.id)
        except Exception:
            log.warning("job %s (%s) failed, attempt %s", job.id, job.kind, job.attempts,
                        exc_info=True)
            async with self.db.write() as session:
                await queue.fail(session, job, traceback.format_exc())

    async def drain(self) -> None:
        """Run jobs until none are due (tests, `parley demo`)."""
        while await self.run_once():
            pass
