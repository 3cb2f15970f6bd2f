"""Media attachments in the database: record an upload, read, describe and delete one's
own, hand them to a post (attachable), and release them when a post goes."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import Invalid, NotFound
from parley.jobs.queue import PRIORITY_BULK, enqueue
from parley.media import jobs
from parley.media.limits import DESCRIPTION_LIMIT
from parley.media.models import FAILED, PROCESSING, MediaAttachment
from parley.media.processing import Outcome

IN_USE = "Media attachment is currently used by a status"
PROCESSING_FAILED = "Error processing thumbnail for uploaded media"


@dataclass(frozen=True, slots=True)
class Details:
    """What the owner may say about an attachment (None: leave as it is)."""

    description: str | None = None
    focus: str | None = None


def _description(value: str) -> str | None:
    if len(value) > DESCRIPTION_LIMIT:
        raise Invalid(f"Validation failed: Description is too long (maximum is "
                      f"{DESCRIPTION_LIMIT} characters)")
    return value or None


def parse_focus(value: str) -> tuple[float, float] | None:
    """Mastodon's focus "x,y", each -1.0..1.0; empty means none."""
    if not value.strip():
        return None
    parts = value.split(",")
    try:
        x, y = (float(part) for part in parts)
    except ValueError:
        raise Invalid("Validation failed: Focus must be two numbers: x,y")
    if not all(math.isfinite(v) and -1.0 <= v <= 1.0 for v in (x, y)):
        raise Invalid("Validation failed: Focus must be between -1.0 and 1.0")
    return x, y


def check_details(details: Details) -> None:
    """Refuse bad details before any file is processed."""
    if details.description is not None:
        if "\x00" in details.description:  # PostgreSQL cannot store it; refused everywhere
            raise Invalid("Validation failed: NUL characters are not allowed")
        _description(details.description)
    if details.focus is not None:
        parse_focus(details.focus)


def _apply(media: MediaAttachment, details: Details) -> None:
    if details.description is not None:
        media.description = _description(details.description)
    if details.focus is not None:
        focus = parse_focus(details.focus)
        media.focus_x, media.focus_y = focus if focus else (None, None)


async def record_upload(session: AsyncSession, *, account_id: int, outcome: Outcome,
                        details: Details, thumbnail: tuple[str, str] | None = None
                        ) -> MediaAttachment:
    """The attachment row for a processed (or queued) upload; a job for what is queued."""
    media = MediaAttachment(
        id=outcome.id, account_id=account_id, type=outcome.type, state=outcome.state,
        file_key=outcome.file_key, small_key=outcome.small_key, upload_key=outcome.upload_key,
        content_type=outcome.content_type, file_size=outcome.file_size, meta=outcome.meta,
        blurhash=outcome.blurhash)
    if thumbnail is not None:
        media.thumbnail_key, media.blurhash = thumbnail
    _apply(media, details)
    session.add(media)
    await session.flush()
    if media.state == PROCESSING:
        await enqueue(session, jobs.PROCESS, jobs.ProcessMedia(media_id=media.id))
    return media


async def own_media(session: AsyncSession, *, account_id: int, media_id: int,
                    unattached: bool = True) -> MediaAttachment:
    """One's own attachment (not yet on a post, unless asked); anyone else's is not found."""
    media = await session.get(MediaAttachment, media_id)
    if media is None or media.account_id != account_id:
        raise NotFound()
    if unattached and media.post_id is not None:
        raise NotFound()
    return media


def check_not_failed(media: MediaAttachment) -> MediaAttachment:
    if media.state == FAILED:
        raise Invalid(PROCESSING_FAILED)
    return media


async def update_media(session: AsyncSession, media: MediaAttachment, details: Details, *,
                       thumbnail: tuple[str, str] | None = None) -> list[str]:
    """Change the description, focus or thumbnail; returns the keys of replaced files
    (removed by a job once this commits)."""
    _apply(media, details)
    replaced: list[str] = []
    if thumbnail is not None:
        if media.thumbnail_key:
            replaced.append(media.thumbnail_key)
        media.thumbnail_key, media.blurhash = thumbnail
    await session.flush()
    if replaced:
        await enqueue(session, jobs.REMOVE, jobs.RemoveFiles(keys=replaced))
    return replaced


async def delete_media(session: AsyncSession, *, account_id: int, media_id: int
                       ) -> MediaAttachment:
    """Delete one's own attachment that no post uses (Mastodon 4.4), files after commit."""
    media = await own_media(session, account_id=account_id, media_id=media_id,
                            unattached=False)
    if media.post_id is not None:
        raise Invalid(IN_USE)
    await release(session, [media.id])
    return media


async def attachable(session: AsyncSession, *, account_id: int, media_ids: Sequence[int],
                     post_id: int | None = None) -> list[MediaAttachment]:
    """The author's attachments with these ids, in the order given, that a post may take:
    not on another post (an edit may keep its own). Unknown or taken ids are not found."""
    if not media_ids:
        return []
    rows = (await session.scalars(select(MediaAttachment).where(
        MediaAttachment.id.in_(list(media_ids)),
        MediaAttachment.account_id == account_id))).all()
    found = {media.id: media for media in rows
             if media.post_id is None or media.post_id == post_id}
    if any(media_id not in found for media_id in media_ids):
        raise NotFound()
    return [found[media_id] for media_id in media_ids]


async def attach(session: AsyncSession, media: Sequence[MediaAttachment], post_id: int
                 ) -> None:
    """The post takes these attachments, in this order."""
    for position, item in enumerate(media):
        item.post_id, item.position = post_id, position
    await session.flush()


async def release(session: AsyncSession, media_ids: Sequence[int], *, keep: bool = False
                  ) -> None:
    """A post no longer uses these attachments. keep: they stay, unattached, for a redraft
    (the clean-up removes them after a day); else the rows go now, and their files once this
    commits, unless another attachment still names them."""
    ids = list(media_ids)
    if not ids:
        return
    if keep:
        await session.execute(update(MediaAttachment).where(MediaAttachment.id.in_(ids))
                              .values(post_id=None, position=0))
        return
    rows = (await session.scalars(select(MediaAttachment).where(
        MediaAttachment.id.in_(ids)))).all()
    keys = [key for media in rows for key in media.stored_keys()]
    await session.execute(delete(MediaAttachment).where(MediaAttachment.id.in_(ids)))
    if keys:
        await enqueue(session, jobs.REMOVE, jobs.RemoveFiles(keys=keys),
                      priority=PRIORITY_BULK)
