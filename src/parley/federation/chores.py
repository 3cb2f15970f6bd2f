"""Federation's recurring chore: forgetting the ids of activities received long ago (a
peer retries a delivery for days at most), hourly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.config import Settings
from parley.federation.models import ReceivedActivity
from parley.jobs.queue import enqueue_unless_queued
from parley.jobs.registry import JobContext, JobKind
from parley.lib.timefmt import utcnow

KEEP_RECEIVED = timedelta(days=7)
EVERY = timedelta(hours=1)
BATCH = 5_000


@dataclass(frozen=True)
class Prune:
    pass


async def _prune(ctx: JobContext, _payload: Prune) -> None:
    """Forget a batch of old activity ids; back at once if there were more, else in an hour."""
    old = select(ReceivedActivity.activity_id).where(
        ReceivedActivity.received_at < utcnow() - KEEP_RECEIVED).limit(BATCH)
    ids = list(await ctx.session.scalars(old))
    if ids:
        await ctx.session.execute(delete(ReceivedActivity).where(
            ReceivedActivity.activity_id.in_(ids)))
    await enqueue_unless_queued(ctx.session, PRUNE, Prune(),
                                run_at=utcnow() + (timedelta() if len(ids) == BATCH else EVERY))


async def schedule_prune(session: AsyncSession, _settings: Settings) -> None:
    """A worker's start hook: the prune runs (now) unless one is queued already."""
    await enqueue_unless_queued(session, PRUNE, Prune())


PRUNE: JobKind[Prune] = JobKind("federation.prune", Prune, _prune)
JOBS = (PRUNE,)
