"""The job worker on the real database (SQLite or PostgreSQL, as the fan-out tests): a job
that fails leaves nothing of its work behind and is queued again with its attempt counted,
one that keeps failing ends dead, interactive jobs run before bulk ones, and a detached kind's
jobs may be claimed in batches."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from parley.config import Settings
from parley.jobs import queue
from parley.jobs.models import Job
from parley.jobs.registry import Detached, DetachedContext, JobContext, JobKind, JobRegistry
from parley.jobs.worker import Worker
from parley.lib.timefmt import utcnow
from parley.store.database import Database


async def _half_done_then_fail(ctx: JobContext, payload: dict[str, Any]) -> None:
    await ctx.session.execute(text("INSERT INTO tags (id, name, display_name, created_at) "
                                   "VALUES (:id, :name, :name, CURRENT_TIMESTAMP)"),
                              {"id": payload["id"], "name": f"halfdone{payload['id']}"})
    raise RuntimeError("this job always fails")


_ORDER: list[str] = []


async def _record_order(_ctx: JobContext, payload: dict[str, Any]) -> None:
    _ORDER.append(payload["name"])


HALF_DONE = JobKind("half_done", dict, _half_done_then_fail)
NOOP = JobKind("noop", dict, _record_order)


def _worker(db: Database, database_url: str) -> Worker:
    return Worker(db, Settings(database_url=database_url),
                  JobRegistry({kind.name: kind for kind in (HALF_DONE, NOOP)}))


def run(database_url: str, body: Any) -> None:
    async def main() -> None:
        db = Database(database_url)
        try:
            await body(db, _worker(db, database_url))
        finally:
            await db.dispose()
    asyncio.run(main())


def test_a_failing_job_is_retried_later_without_its_work(database_url: str) -> None:
    async def body(db: Database, worker: Worker) -> None:
        async with db.write() as session:
            job_id = await queue.enqueue(session, HALF_DONE, {"id": 990001})
        await worker.drain()  # runs it (in the background on PostgreSQL) until it ends
        async with db.read() as session:
            job = (await session.scalars(select(Job).where(Job.id == job_id))).one()
            written = (await session.execute(text(
                "SELECT count(*) FROM tags WHERE id = 990001"))).scalar_one()
        assert (job.state, job.attempts) == ("queued", 1)
        assert "this job always fails" in (job.last_error or "")
        assert written == 0  # the failed attempt's writes rolled back
        assert await worker.run_once() == 0  # backing off: not due yet

    run(database_url, body)


def test_a_job_out_of_attempts_is_dead(database_url: str) -> None:
    async def body(db: Database, worker: Worker) -> None:
        async with db.write() as session:
            job_id = await queue.enqueue(session, HALF_DONE, {"id": 990002})
            await session.execute(text("UPDATE jobs SET attempts = max_attempts - 1 "
                                       "WHERE id = :id"), {"id": job_id})
        await worker.drain()  # runs it (in the background on PostgreSQL) until it ends
        async with db.read() as session:
            job = (await session.scalars(select(Job).where(Job.id == job_id))).one()
        assert (job.state, job.attempts) == ("dead", job.max_attempts)

    run(database_url, body)


def test_interactive_jobs_run_before_bulk_ones(database_url: str) -> None:
    async def body(db: Database, worker: Worker) -> None:
        _ORDER.clear()
        async with db.write() as session:
            await session.execute(text("DELETE FROM jobs"))
            for number in range(2):
                await queue.enqueue(session, NOOP, {"name": f"bulk{number}"},
                                    priority=queue.PRIORITY_BULK)
            await queue.enqueue(session, NOOP, {"name": "interactive"})
        await worker.drain()
        assert _ORDER[0] == "interactive" and sorted(_ORDER[1:]) == ["bulk0", "bulk1"]

    run(database_url, body)


def test_a_job_queued_by_another_process_wakes_the_worker(database_url: str) -> None:
    """PostgreSQL: a job committed through another connection pool (as by a web process)
    starts at once through LISTEN/NOTIFY, long before the worker's next poll."""
    if database_url.startswith("sqlite"):
        pytest.skip("cross-process wake-ups are PostgreSQL's LISTEN/NOTIFY")

    async def main() -> None:
        worker_db, web_db = Database(database_url), Database(database_url)
        ran = asyncio.Event()

        async def ping(_ctx: JobContext, _payload: dict[str, Any]) -> None:
            ran.set()

        ping_kind = JobKind("ping", dict, ping)
        worker = Worker(worker_db, Settings(database_url=database_url,
                                            worker_poll_interval=600),
                        JobRegistry({"ping": ping_kind}))
        worker.start()
        try:
            await asyncio.sleep(0.5)  # its first look has found nothing: it waits to be woken
            async with web_db.write() as session:
                await queue.enqueue(session, ping_kind, {})
            await asyncio.wait_for(ran.wait(), 30)  # a poll would take 600 s
        finally:
            await worker.stop()
            await worker_db.dispose()
            await web_db.dispose()

    asyncio.run(main())


async def _detached_write(ctx: DetachedContext, payload: dict[str, Any]) -> None:
    """A detached job: while it runs its claim is committed (it sees itself running) and it
    holds no transaction, so it can write through the database like any request."""
    async with ctx.db.read() as session:
        state = (await session.execute(text("SELECT state FROM jobs WHERE kind = 'detached'")
                                       )).scalar_one()
    async with ctx.db.write() as session:
        await session.execute(text("INSERT INTO tags (id, name, display_name, created_at) "
                                   "VALUES (:id, :name, :name, CURRENT_TIMESTAMP)"),
                              {"id": payload["id"], "name": f"detached{state}"})


def test_a_detached_job_runs_after_its_claim_outside_any_transaction(
        database_url: str) -> None:
    async def body(db: Database, worker: Worker) -> None:
        detached = JobKind("detached", dict, Detached(_detached_write))
        worker.handlers["detached"] = detached
        async with db.write() as session:
            await queue.enqueue(session, detached, {"id": 990301})
        await asyncio.wait_for(worker.drain(), timeout=30)
        async with db.read() as session:
            name = (await session.execute(text(
                "SELECT name FROM tags WHERE id = 990301"))).scalar_one()
            left = (await session.execute(text(
                "SELECT count(*) FROM jobs WHERE kind = 'detached'"))).scalar_one()
        assert (name, left) == ("detachedrunning", 0)
    run(database_url, body)


_SEEN: dict[int, list[int]] = {}


async def _note_batch(ctx: DetachedContext, payload: dict[str, Any]) -> None:
    """A batched detached job: notes which jobs of its kind are running as it runs (claimed
    with it), and fails when told to."""
    async with ctx.db.read() as session:
        _SEEN[payload["n"]] = sorted(row[0] for row in (await session.execute(text(
            "SELECT id FROM jobs WHERE kind = 'batched' AND state = 'running'"))).all())
    if payload["fail"]:
        raise RuntimeError("this one fails")


def test_batched_detached_jobs_are_claimed_together_and_fail_alone(database_url: str) -> None:
    """Jobs of a kind with Detached.batch = 3: five due ones are claimed as a batch of three
    and one of two; the one that fails is queued again on its own, the others are done
    together (still running until their batch ends); a job of another kind due among them
    is not taken into a batch."""
    async def body(db: Database, _worker: Worker) -> None:
        batched = JobKind("batched", dict, Detached(_note_batch, batch=3))
        worker = Worker(db, Settings(database_url=database_url, worker_concurrency=1),
                        JobRegistry({kind.name: kind for kind in (NOOP, batched)}))
        _SEEN.clear()
        now = utcnow()
        async with db.write() as session:
            ids = [await queue.enqueue(session, batched, {"n": n, "fail": n == 1},
                                       run_at=now - timedelta(seconds=10 - n))
                   for n in range(5)]
            await queue.enqueue(session, NOOP, {"name": "among them"},
                                run_at=now - timedelta(seconds=7.5))
        await asyncio.wait_for(worker.drain(), timeout=30)
        async with db.read() as session:
            left = (await session.execute(text(
                "SELECT id, state, attempts FROM jobs WHERE kind IN ('batched', 'noop')"))).all()
        assert _SEEN[0] == _SEEN[1] == ids[:3]
        assert _SEEN[2] == [ids[0], ids[2]]  # the failed one is queued again at once
        assert _SEEN[3] == _SEEN[4] == ids[3:]
        assert [tuple(row) for row in left] == [(ids[1], "queued", 1)]

    run(database_url, body)
