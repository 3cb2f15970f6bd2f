"""Media's background work: processing a queued upload (video, GIF, audio), removing files
no attachment names any more, and the hourly sweep of uploads never attached to a post."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.config import Settings
from parley.errors import Invalid
from parley.events import record
from parley.events.media import MediaProcessed
from parley.jobs.queue import PRIORITY_BULK, enqueue, enqueue_unless_queued
from parley.jobs.registry import Detached, DetachedContext, JobContext, JobKind
from parley.lib.timefmt import utcnow
from parley.media import processing, video
from parley.media.models import DONE, FAILED, PROCESSING, MediaAttachment
from parley.media.storage import storage_for

log = logging.getLogger("parley.media")

UNATTACHED_LIFETIME = timedelta(days=1)
SWEEP_EVERY = timedelta(hours=1)
SWEEP_BATCH = 500


@dataclass(frozen=True)
class ProcessMedia:
    media_id: int


@dataclass(frozen=True)
class RemoveFiles:
    keys: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Sweep:
    pass


async def _load(ctx: DetachedContext, media_id: int) -> MediaAttachment | None:
    async with ctx.db.read() as session:
        media = await session.get(MediaAttachment, media_id)
        if media is None or media.state != PROCESSING or not media.upload_key:
            return None
        session.expunge(media)
        return media


async def _process(ctx: DetachedContext, payload: ProcessMedia) -> None:
    """Transcode a queued upload outside any transaction (minutes of work must not hold
    SQLite's one write lock), then record the outcome in a short one."""
    media = await _load(ctx, payload.media_id)
    if media is None:  # done already, deleted, or swept: nothing to do (idempotent)
        return
    assert media.upload_key is not None
    storage = storage_for(ctx.settings)
    outcome: processing.Outcome | None = None
    with tempfile.TemporaryDirectory(dir=processing.tmp_dir(ctx.settings)) as work:
        source = Path(work) / "upload"
        await storage.download(media.upload_key, source)
        try:
            probe = video.probe(source, animation=media.type == "gifv")
            outcome = await processing.store_transcoded(ctx.settings, media.id, probe, source)
        except Invalid as exc:
            log.info("media %s could not be processed: %s", media.id, exc.message)
    async with ctx.db.write() as session:
        current = await session.get(MediaAttachment, media.id)
        if current is None or current.state != PROCESSING:  # deleted meanwhile
            if outcome is not None:
                await processing.remove_files(ctx.settings, outcome.stored_keys())
            return
        if outcome is None:
            current.state = FAILED
        else:
            current.state, current.file_key, current.small_key = (
                DONE, outcome.file_key, outcome.small_key)
            current.content_type, current.file_size = outcome.content_type, outcome.file_size
            current.meta = outcome.meta
            if current.thumbnail_key is None:
                current.blurhash = outcome.blurhash
        current.upload_key = None
        await session.flush()
        await record(session, MediaProcessed(current.id, current.post_id))
    await storage.delete(media.upload_key)


async def _remove(ctx: DetachedContext, payload: RemoveFiles) -> None:
    """Delete files that no attachment names (a key is never reused, so one named nowhere
    now never will be again). Link cards hand their replaced images here too."""
    async with ctx.db.read() as session:
        named = set((await session.scalars(select(MediaAttachment.id).where(or_(
            MediaAttachment.file_key.in_(payload.keys),
            MediaAttachment.small_key.in_(payload.keys),
            MediaAttachment.thumbnail_key.in_(payload.keys),
            MediaAttachment.upload_key.in_(payload.keys))))).all())
        still_used: set[str] = set()
        if named:
            for media in (await session.scalars(select(MediaAttachment).where(
                    MediaAttachment.id.in_(named)))).all():
                still_used.update(media.stored_keys())
    await processing.remove_files(ctx.settings, [k for k in payload.keys if k not in still_used])


async def _sweep(ctx: JobContext, _payload: Sweep) -> None:
    """Remove attachments no post took within a day (rows now, files by a job), then come
    back in an hour (at once if there were more than a batch)."""
    cutoff = utcnow() - UNATTACHED_LIFETIME
    stale = (await ctx.session.scalars(
        select(MediaAttachment).where(MediaAttachment.post_id.is_(None),
                                      MediaAttachment.created_at < cutoff)
        .order_by(MediaAttachment.id).limit(SWEEP_BATCH))).all()
    keys = [key for media in stale for key in media.stored_keys()]
    if stale:
        await ctx.session.execute(delete(MediaAttachment).where(
            MediaAttachment.id.in_([media.id for media in stale])))
    if keys:
        await enqueue(ctx.session, REMOVE, RemoveFiles(keys=keys), priority=PRIORITY_BULK)
    again = utcnow() if len(stale) == SWEEP_BATCH else utcnow() + SWEEP_EVERY
    await _schedule_sweep(ctx.session, run_at=again)


async def _schedule_sweep(session: AsyncSession, *, run_at: datetime | None = None) -> None:
    await enqueue_unless_queued(session, SWEEP, Sweep(), run_at=run_at)


async def schedule_sweep(session: AsyncSession, _settings: Settings) -> None:
    """A worker's start hook: the sweep runs (now) unless one is queued already."""
    await _schedule_sweep(session)


PROCESS: JobKind[ProcessMedia] = JobKind("media.process", ProcessMedia, Detached(_process))
REMOVE: JobKind[RemoveFiles] = JobKind("media.remove_files", RemoveFiles, Detached(_remove))
SWEEP: JobKind[Sweep] = JobKind("media.sweep", Sweep, _sweep)
JOBS = (PROCESS, REMOVE, SWEEP)
