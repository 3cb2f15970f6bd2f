"""The job worker: claims due jobs, runs each in the transaction that claimed it (a detached
one in none), retries with backoff, and on stop lets running jobs finish (for a while) and
puts back what it still holds."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import traceback
from contextlib import suppress
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from parley.config import Settings
from parley.jobs import queue
from parley.jobs.registry import Detached, DetachedContext, JobContext, JobKind, JobRegistry
from parley.store.database import JOBS_ENQUEUED, Database, off_loop
from parley.store.faults import store_failure

log = logging.getLogger("parley.jobs")


def _log_failure(exc: BaseException) -> None:
    """A failure of the worker's loop: the database out of reach or out of space is a state,
    logged in one line; anything else a bug, with its traceback."""
    if store_failure(exc) is None:
        log.error("job worker failed; going on", exc_info=exc)
    else:
        log.warning("job worker waits for the database: %s", exc)


class Worker:
    """Runs jobs until stopped. In `parley run` it shares the web process's event loop."""

    def __init__(self, db: Database, settings: Settings, registry: JobRegistry) -> None:
        self.db = db
        self.settings = settings
        self.handlers: dict[str, JobKind[Any]] = registry.kinds
        self._start_hooks = registry.on_start
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        # Jobs running side by side (PostgreSQL): a slot frees as soon as its job ends, so a
        # new interactive job never waits for the slowest of a round of bulk batches.
        self._running: set[asyncio.Task[None]] = set()
        # Detached jobs whose claim has committed (they run outside a transaction): stop()
        # puts back those that have not finished.
        self._detached: set[int] = set()
        # Woken by jobs other processes queue (where the store has a channel), not only by polls.
        self._listener = db.listener(queue.CHANNEL, self._wake.set)

    async def after_commit(self, info: dict[Any, Any]) -> None:
        """Database hook: a transaction in this process that enqueued jobs has committed."""
        if info.pop(JOBS_ENQUEUED, False):
            self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self.run_forever(), name="parley-worker")

    async def stop(self) -> None:
        """Stop claiming; give the running jobs `worker_stop_grace` seconds to finish, cancel
        the rest (a cancelled job's transaction rolls back with its claim) and put back the
        detached jobs still claimed, so another worker runs them at once."""
        self._stopping = True
        self._wake.set()
        busy = {task for task in (self._task, *self._running) if task is not None}
        if busy:
            await asyncio.wait(busy, timeout=self.settings.worker_stop_grace)
        for task in busy:
            task.cancel()
        await asyncio.gather(*busy, return_exceptions=True)
        await self._release_detached()

    async def _release_detached(self) -> None:
        if not self._detached:
            return
        held, self._detached = sorted(self._detached), set()
        try:
            async with self.db.write() as session:
                await queue.release(session, self.name, held)
        except Exception:  # they are claimed again once stale
            log.exception("could not put back detached jobs %s", held)

    async def run_forever(self) -> None:
        if self._listener is not None:
            self._listener.start()
        try:
            await self._run_rounds()
        finally:
            if self._listener is not None:
                await self._listener.stop()

    async def _run_rounds(self) -> None:
        await self._on_start()
        while not self._stopping:
            # Cleared before looking, not after: a commit during run_once keeps its wake-up.
            self._wake.clear()
            try:
                ran = await self.run_once()
            except Exception as exc:  # the loop must survive a database hiccup
                _log_failure(exc)
                ran = 0
            if ran == 0:
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.settings.worker_poll_interval)

    async def _on_start(self) -> None:
        """Catch up on what may have changed without jobs, as the domains asked (say,
        accounts over the broadcast threshold in a bulk-loaded database)."""
        if not self._start_hooks:
            return
        try:
            # Scans (every account's follower count): not in the event loop's thread.
            with off_loop():
                async with self.db.write() as session:
                    for hook in self._start_hooks:
                        await hook(session, self.settings)
        except Exception:  # a worker must start even if this fails; jobs catch up too
            log.exception("could not catch up at start")

    async def run_once(self) -> int:
        """Claim jobs and run them; returns how many were claimed (or, with every slot busy,
        1 once a slot frees). On SQLite one job runs before it returns; on PostgreSQL they
        keep running in the background, up to worker_concurrency at once."""
        free = max(1, self.settings.worker_concurrency) - len(self._running)
        if free <= 0:
            await asyncio.wait(self._running, return_when=asyncio.FIRST_COMPLETED)
            return 1
        # Look before taking the write lock: an idle poll must not queue behind (or block)
        # the single SQLite writer that requests need.
        async with self.db.fast() as reader:
            # A snapshot shared with an older request may predate a job just committed:
            # then look with the write lock rather than miss it.
            if not reader.shared and not await queue.any_due(reader):
                return 0
        if self.db.dialect.single_writer:  # running jobs side by side would only queue
            return await self._claim_and_run()
        return await self._fill_slots(free)

    async def _fill_slots(self, free: int) -> int:
        """PostgreSQL: each free slot claims one job in a task of its own, in the transaction
        that runs it; returns how many claimed one (it stops at the first that found none)."""
        started = 0
        for _ in range(free):
            claimed: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            task = asyncio.create_task(self._slot(claimed), name="parley-job")
            self._running.add(task)
            task.add_done_callback(self._running.discard)
            if not await claimed:  # raises what the claim raised (the loop logs it)
                break
            started += 1
        return started

    async def _slot(self, claimed: asyncio.Future[bool]) -> None:
        try:
            await self._claim_and_run(claimed)
        except Exception as exc:
            if claimed.done():
                _log_failure(exc)
            else:
                claimed.set_exception(exc)
        finally:
            if not claimed.done():  # cancelled before its claim
                claimed.set_result(False)

    async def _claim_and_run(self, claimed: asyncio.Future[bool] | None = None) -> int:
        """One job claimed and run in one transaction. The claim's row lock (FOR UPDATE SKIP
        LOCKED on PostgreSQL, the write lock on SQLite) is its lease: a worker that dies
        mid-job takes its transaction with it, claim included, and the job is due again at
        once, its attempt uncounted. A failure rolls the claim back with the job's work and
        is recorded after. `claimed` hears whether a job was found, once it is known."""
        job: queue.ClaimedJob | None = None
        detached: JobKind[Any] | None = None
        try:
            async with self.db.write() as session:
                jobs = await queue.claim_batch(session, self.name, self._batch_of)
                if claimed is not None:
                    claimed.set_result(bool(jobs))
                if not jobs:
                    return 0
                job = jobs[0]
                kind = self._kind(job)
                if isinstance(kind.handler, Detached):
                    detached = kind  # run once the claim has committed
                else:
                    await self._handle(session, job, kind)
            if detached is not None:
                await self._run_detached(jobs, detached)
        except Exception as exc:
            if job is None or detached is not None or store_failure(exc) is not None:
                raise  # the database failed, not the job: it stays queued, uncounted
            await self._failed(job)
        return len(jobs)

    def _batch_of(self, kind_name: str) -> int:
        """How many jobs of a kind are claimed together (Detached.batch)."""
        kind = self.handlers.get(kind_name)
        return kind.handler.batch if kind is not None and isinstance(kind.handler, Detached) \
            else 1

    def _kind(self, job: queue.ClaimedJob) -> JobKind[Any]:
        kind = self.handlers.get(job.kind)
        if kind is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        return kind

    async def _handle(self, session: AsyncSession, job: queue.ClaimedJob, kind: JobKind[Any]
                      ) -> None:
        await kind.run(JobContext(session=session, settings=self.settings), job.payload)
        await queue.complete(session, job.id)

    async def _run_detached(self, jobs: list[queue.ClaimedJob], kind: JobKind[Any]) -> None:
        """Jobs (a batch of one kind) that wait on the network: their claim has committed (no
        transaction is held open meanwhile), they run one after another, each failure is
        recorded as its own and those done are completed together. If the worker vanishes
        they are claimed again once stale; if it stops, those not done are put back."""
        assert isinstance(kind.handler, Detached)
        self._detached.update(job.id for job in jobs)  # until done or their failure recorded
        context = DetachedContext(db=self.db, settings=self.settings)
        done: list[int] = []
        try:
            for job in jobs:
                try:
                    await kind.handler.run(context, kind.read(job.payload))
                except Exception as exc:
                    if store_failure(exc) is not None:
                        raise  # the database failed, not the job: claimed again once stale
                    await self._failed(job)
                else:
                    done.append(job.id)
        finally:
            if done:
                async with self.db.write() as session:
                    await queue.complete_many(session, done)
                self._detached.difference_update(done)

    async def _failed(self, job: queue.ClaimedJob) -> None:
        log.warning("job %s (%s) failed, attempt %s", job.id, job.kind, job.attempts,
                    exc_info=True)
        async with self.db.write() as session:
            await queue.fail(session, job, traceback.format_exc())
        self._detached.discard(job.id)

    async def drain(self) -> None:
        """Run jobs until none are due or running (tests, `parley demo`)."""
        while True:
            if await self.run_once():
                continue
            if not self._running:
                return
            await asyncio.wait(self._running, return_when=asyncio.FIRST_COMPLETED)
