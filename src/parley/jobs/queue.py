"""Enqueue and claim jobs. Enqueueing joins the caller's transaction (transactional outbox)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import orjson
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from parley.jobs.models import Job
from parley.jobs.registry import JobKind
from parley.lib.ids import new_id
from parley.lib.timefmt import utcnow
from parley.store.database import JOBS_ENQUEUED
from parley.store.rawsql import Reader, Sql, json_of
from parley.store.rawwrite import writer_of

# Other processes' workers listen here (store/wakeup: PostgreSQL's LISTEN/NOTIFY).
CHANNEL = "parley_jobs"
# A detached job (the only kind whose claim commits before it runs) whose worker vanished
# (crash, kill -9) is claimed again after this long. Other jobs run in the transaction that
# claimed them: their worker's death rolls the claim back, and they are due again at once.
STALE_AFTER = timedelta(minutes=5)

PRIORITY_INTERACTIVE = 0  # notifications, small fan-outs: what people wait for
PRIORITY_BULK = 10  # large fan-outs, cleanups
MAX_ATTEMPTS = 8

P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    """A job this worker has marked running: what running and retrying it need."""

    id: int
    kind: str
    payload: dict[str, Any]
    priority: int
    attempts: int
    max_attempts: int


_INSERT = Sql("""
    INSERT INTO jobs (id, kind, payload, state, priority, attempts, max_attempts, run_at,
                      created_at)
    VALUES (:id, :kind, :payload, 'queued', :priority, 0, :max_attempts, :run_at, :now)""")
_DUE = """(state = 'queued' AND run_at <= :now) OR (state = 'running' AND locked_at < :stale)"""
_ANY_DUE = Sql(f"SELECT 1 FROM jobs WHERE {_DUE} LIMIT 1")
_DUE_IDS = Sql(f"SELECT id FROM jobs WHERE {_DUE} ORDER BY priority, run_at LIMIT :limit "
               "FOR_CLAIM")
# Due jobs of one kind among the next few due: those claimed with a first one of that kind
# (Detached.batch). Only the next :window are looked at, so that a backlog of other kinds is
# never scanned for them.
_DUE_OF_KIND = Sql(f"""
    SELECT id FROM (SELECT id, kind FROM jobs WHERE {_DUE} ORDER BY priority, run_at
                    LIMIT :window FOR_CLAIM) AS upcoming
    WHERE kind = :kind""")
_MARK_RUNNING = Sql("""
    UPDATE jobs SET state = 'running', locked_at = :now, locked_by = :worker,
                    attempts = attempts + 1
    WHERE id IN_IDS(:ids)
    RETURNING id, kind, payload, priority, attempts, max_attempts""")
_COMPLETE = Sql("DELETE FROM jobs WHERE id = :id")
_COMPLETE_MANY = Sql("DELETE FROM jobs WHERE id IN_IDS(:ids)")
_RELEASE = Sql("""
    UPDATE jobs SET state = 'queued', locked_at = NULL, locked_by = NULL,
                    attempts = attempts - 1
    WHERE id IN_IDS(:ids) AND state = 'running' AND locked_by = :worker""")


async def enqueue(
    session: AsyncSession,
    kind: JobKind[P],
    payload: P,
    *,
    priority: int = PRIORITY_INTERACTIVE,
    run_at: datetime | None = None,
) -> int:
    """Add a job of `kind` to the caller's transaction: it exists if and only if the change
    commits. The payload (a dataclass or a dict) is stored as JSON. Returns its id."""
    job_id, now = new_id(), utcnow()
    writer = await writer_of(session)
    await writer.execute(_INSERT, {
        "id": job_id, "kind": kind.name, "payload": orjson.dumps(payload).decode(),
        "priority": priority, "max_attempts": MAX_ATTEMPTS, "run_at": run_at or now,
        "now": now})
    if not session.info.get(JOBS_ENQUEUED):
        await writer.notify(CHANNEL)  # workers in other processes start it at commit
    session.info[JOBS_ENQUEUED] = True
    return job_id


async def enqueue_unless_queued(session: AsyncSession, kind: JobKind[P], payload: P, *,
                                priority: int = PRIORITY_BULK,
                                run_at: datetime | None = None) -> None:
    """Enqueue a job of `kind` unless one is queued already (a recurring chore such as a
    sweep: one waits at a time; the one running is not 'queued')."""
    queued = await session.scalar(select(func.count()).select_from(Job).where(
        Job.kind == kind.name, Job.state == "queued"))
    if not queued:
        await enqueue(session, kind, payload, priority=priority, run_at=run_at)


def _due_params() -> dict[str, Any]:
    now = utcnow()
    return {"now": now, "stale": now - STALE_AFTER}


async def any_due(reader: Reader) -> bool:
    """Whether some job is ready to be claimed (a cheap read, no lock)."""
    return bool(await reader.fetch(_ANY_DUE, _due_params()))


async def claim(session: AsyncSession, worker_name: str, limit: int) -> list[ClaimedJob]:
    """Mark up to `limit` due jobs as running by this worker and return them, interactive
    ones first (the worker takes one at a time, so a new interactive job waits for one bulk
    job at most). Within the caller's transaction: the mark lasts only if it commits."""
    writer = await writer_of(session)
    params = _due_params()
    rows = await writer.fetch(_DUE_IDS, {**params, "limit": limit})
    ids = [row[0] for row in rows]
    if not ids:
        return []
    order = {job_id: position for position, job_id in enumerate(ids)}
    claimed = await writer.fetch(_MARK_RUNNING, {"now": params["now"], "worker": worker_name,
                                                 "ids": ids})
    jobs = [_claimed(row) for row in claimed]
    return sorted(jobs, key=lambda job: order[job.id])


async def claim_batch(session: AsyncSession, worker_name: str, batch_of: Callable[[str], int],
                      ) -> list[ClaimedJob]:
    """Claim the next due job as claim() does, and with it, when its kind runs in batches
    (`batch_of(kind)` > 1), up to that many due jobs of its kind from among the next few due
    ones (the first job first)."""
    jobs = await claim(session, worker_name, 1)
    if not jobs or batch_of(jobs[0].kind) <= 1:
        return jobs
    size = batch_of(jobs[0].kind)
    writer = await writer_of(session)
    rows = await writer.fetch(_DUE_OF_KIND, {**_due_params(), "kind": jobs[0].kind,
                                             "window": 2 * size})
    more = [row[0] for row in rows if row[0] != jobs[0].id][:size - 1]
    if not more:
        return jobs
    claimed = await writer.fetch(_MARK_RUNNING, {"now": utcnow(), "worker": worker_name,
                                                 "ids": more})
    return jobs + sorted((_claimed(row) for row in claimed), key=lambda job: more.index(job.id))


def _claimed(row: Any) -> ClaimedJob:
    return ClaimedJob(id=row[0], kind=row[1], payload=json_of(row[2]) or {}, priority=row[3],
                      attempts=row[4], max_attempts=row[5])


async def release(session: AsyncSession, worker_name: str, job_ids: list[int]) -> None:
    """Put back jobs this worker claimed and will not finish (it is stopping): due at once,
    the attempt not counted."""
    await (await writer_of(session)).execute(_RELEASE, {"ids": job_ids, "worker": worker_name})


async def complete(session: AsyncSession, job_id: int) -> None:
    """Done jobs are deleted: the table holds only pending, running and dead work."""
    await (await writer_of(session)).execute(_COMPLETE, {"id": job_id})


async def complete_many(session: AsyncSession, job_ids: list[int]) -> None:
    """complete() for several jobs (a batch's) in one statement."""
    if job_ids:
        await (await writer_of(session)).execute(_COMPLETE_MANY, {"ids": job_ids})


def backoff(attempts: int) -> timedelta:
    """Exponential backoff: 2s, 4s, 8s ... capped at one hour."""
    return timedelta(seconds=min(2 ** attempts, 3600))


async def fail(session: AsyncSession, job: ClaimedJob, error: str) -> None:
    """Schedule a retry, or mark the job dead when it has used all its attempts (rare: through
    the ORM)."""
    dead = job.attempts >= job.max_attempts
    await session.execute(
        update(Job).where(Job.id == job.id).values(
            state="dead" if dead else "queued",
            # Set, not incremented: on SQLite the claim that counted it rolled back with the job.
            attempts=job.attempts,
            run_at=utcnow() + backoff(job.attempts),
            locked_at=None,
            locked_by=None,
            last_error=error[-4000:],
        )
    )
