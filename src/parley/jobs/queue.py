"""Enqueue and claim jobs. Enqueueing joins the caller's transaction (transactional outbox)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from parley.db import JOBS_ENQUEUED
from parley.jobs.models import Job
from parley.lib.ids import new_id
from parley.lib.timefmt import utcnow

# A running job whose worker vanished (crash, kill) is claimed again after this long.
STALE_AFTER = timedelta(minutes=5)

PRIORITY_INTERACTIVE = 0  # notifications, small fan-outs: what people wait for
PRIORITY_BULK = 10  # large fan-outs, cleanups


async def enqueue(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any],
    *,
    priority: int = PRIORITY_INTERACTIVE,
    run_at: datetime | None = None,
) -> Job:
    """Add a job to the caller's transaction: it exists if and only if the change commits."""
    job = Job(id=new_id(), kind=kind, payload=payload, priority=priority,
              run_at=run_at or utcnow(), state="queued", attempts=0)
    session.add(job)
    session.info[JOBS_ENQUEUED] = True
    return job


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(
        (Job.state == "queued") & (Job.run_at <= now),
        (Job.state == "running") & (Job.locked_at < now - STALE_AFTER),
    )


async def any_due(session: AsyncSession) -> bool:
    """Whether some job is ready to be claimed (a cheap read, no lock)."""
    found = await session.scalar(select(Job.id).where(_due(utcnow())).limit(1))
    return found is not None


async def claim(session: AsyncSession, worker_name: str, limit: int, *,
                skip_locked: bool, bulk_limit: int | None = None) -> list[Job]:
    """Mark up to `limit` due jobs as running by this worker and return them, interactive
    ones first; at most `bulk_limit` bulk ones (a worker that runs its jobs one after another
    takes one bulk job at a time, so a new interactive job waits for one bulk job at most)."""
    now = utcnow()
    due = (
        select(Job.id, Job.priority)
        .where(_due(now))
        .order_by(Job.priority, Job.run_at)
        .limit(limit)
    )
    if skip_locked:
        due = due.with_for_update(skip_locked=True)
    rows = (await session.execute(due)).all()
    interactive = [row.id for row in rows if row.priority < PRIORITY_BULK]
    bulk = [row.id for row in rows if row.priority >= PRIORITY_BULK][:bulk_limit]
    ids = interactive + bulk
    if not ids:
        return []
    await session.execute(
        update(Job).where(Job.id.in_(ids))
        .values(state="running", locked_at=now, locked_by=worker_name,
                attempts=Job.attempts + 1)
    )
    jobs = (await session.scalars(select(Job).where(Job.id.in_(ids))
                                  .execution_options(populate_existing=True))).all()
    return sorted(jobs, key=lambda job: (job.priority, job.run_at))


async def complete(session: AsyncSession, job_id: int) -> None:
    """Done jobs are deleted: the table holds only pending, running and dead work."""
    await session.execute(delete(Job).where(Job.id == job_id))


def backoff(attempts: int) -> timedelta:
    """Exponential backoff: 2s, 4s, 8s ... capped at one hour."""
    return timedelta(seconds=min(2 ** attempts, 3600))


async def fail(session: AsyncSession, job: Job, error: str) -> None:
    """Schedule a retry, or mark the job dead when it has used all its attempts."""
    dead = job.attempts >= job.max_attempts
    await session.execute(
        update(Job).where(Job.id == job.id).values(
            state="dead" if dead else "queued",
            run_at=utcnow() + backoff(job.attempts),
            locked_at=None,
            locked_by=None,
            last_error=error[-4000:],
        )
    )
