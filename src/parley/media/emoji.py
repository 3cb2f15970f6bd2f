"""Custom emoji of other servers: the images their posts and profiles show for
`:shortcode:`, kept by shortcode and domain as Mastodon keeps them. Each is recorded when a
post or profile using it arrives; its image is fetched by a job (address-checked and capped
as remote media are: remote.download, 256 kB) and stored as a PNG through the image pipeline,
so that clients load this server's copy; a new image URL fetches it again. Which emoji a text
uses is read from its `:shortcode:`s (Mastodon's way), so nothing links a post to them: the
read model looks them up for a page at once (posts/rows.py)."""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.config import Settings
from parley.errors import Invalid
from parley.jobs.queue import PRIORITY_BULK, enqueue
from parley.jobs.registry import Detached, DetachedContext, JobKind
from parley.lib.fetch import FetchRefused
from parley.lib.ids import new_id
from parley.lib.timefmt import utcnow
from parley.media import images
from parley.media.limits import EMOJI_SIZE_LIMIT
from parley.media.models import CustomEmoji
from parley.media.processing import in_slot, remove_files, tmp_dir
from parley.media.remote import RETRY_DELAYS, Transient, download
from parley.media.storage import Storage, storage_for
from parley.store.dialect import dialect_of

log = logging.getLogger("parley.media")

MAX_EMOJIS = 50  # kept of one post or profile
SHORTCODE = re.compile(r":([A-Za-z0-9_-]{1,100}):")


@dataclass(frozen=True)
class RemoteEmoji:
    """An emoji as another server's post or profile declares it."""

    shortcode: str
    url: str


class EmojiRow(NamedTuple):
    """An emoji as the read model has it (posts/rows.py)."""

    shortcode: str
    domain: str
    image_key: str | None
    image_remote_url: str


def shortcodes_in(*texts: str | None) -> set[str]:
    """The `:shortcode:`s written in these texts."""
    return {code for text in texts if text and ":" in text for code in SHORTCODE.findall(text)}


def emoji_url(storage: Storage, emoji: EmojiRow) -> str | None:
    """Where clients load the emoji: the copy stored here (None until it is in)."""
    return storage.url(emoji.image_key) if emoji.image_key else None


@dataclass(frozen=True)
class FetchEmoji:
    emoji_id: int
    url: str
    attempt: int = 0  # earlier tries that found the server failing


async def keep_emojis(session: AsyncSession, *, domain: str, emojis: Sequence[RemoteEmoji],
                      fetch: bool) -> None:
    """Record the emoji a post or profile of `domain` uses: new ones, and new images of
    known ones, each with a job fetching its image (when `fetch`: not from a server whose
    media are refused)."""
    wanted = {emoji.shortcode: emoji for emoji in emojis[:MAX_EMOJIS]}
    if not wanted:
        return
    known = {row.shortcode: row for row in await session.scalars(select(CustomEmoji).where(
        CustomEmoji.domain == domain, CustomEmoji.shortcode.in_(list(wanted))))}
    insert = dialect_of(session).insert_ignoring(CustomEmoji, ["domain", "shortcode"],
                                                 returning=[CustomEmoji.id])
    for code, emoji in wanted.items():
        row = known.get(code)
        if row is not None and row.image_remote_url == emoji.url:
            continue
        if row is None:
            emoji_id = await session.scalar(insert, {
                "id": new_id(), "shortcode": code, "domain": domain,
                "image_remote_url": emoji.url, "image_key": None, "updated_at": utcnow()})
        else:
            row.image_remote_url, row.updated_at, emoji_id = emoji.url, utcnow(), row.id
        if fetch and emoji_id is not None:
            await enqueue(session, FETCH_EMOJI, FetchEmoji(emoji_id, emoji.url),
                          priority=PRIORITY_BULK)
    await session.flush()


async def _stored(settings: Settings, emoji_id: int, url: str) -> str | None:
    """The image fetched, made a PNG and stored: its key; None when it cannot be had or is
    no image (Transient raised when it may be had later)."""
    with tempfile.TemporaryDirectory(dir=tmp_dir(settings)) as work:
        path = Path(work) / "emoji"
        try:
            await download(settings, url, path, EMOJI_SIZE_LIMIT)
            png = await in_slot(images.emoji_png, path)
        except FetchRefused as refused:
            log.info("emoji %s not fetched: %s", url, refused)
            return None
        except Invalid as invalid:
            log.info("emoji %s not used: %s", url, invalid.message)
            return None
    key = f"emoji/{emoji_id}-{new_id()}.png"
    await storage_for(settings).put(key, png.data)
    return key


async def _fetch(ctx: DetachedContext, job: FetchEmoji) -> None:
    """Fetch outside any transaction; keep the copy if the emoji still names that image."""
    async with ctx.db.read() as session:
        current = await session.get(CustomEmoji, job.emoji_id)
        if current is None or current.image_remote_url != job.url:
            return
    try:
        key = await _stored(ctx.settings, job.emoji_id, job.url)
    except Transient as failing:
        if job.attempt < len(RETRY_DELAYS):
            async with ctx.db.write() as session:
                await enqueue(session, FETCH_EMOJI, FetchEmoji(job.emoji_id, job.url,
                                                               job.attempt + 1),
                              priority=PRIORITY_BULK,
                              run_at=utcnow() + RETRY_DELAYS[job.attempt])
        else:
            log.info("emoji %s: %s; given up", job.url, failing)
        return
    if key is None:
        return
    async with ctx.db.write() as session:
        emoji = await session.get(CustomEmoji, job.emoji_id)
        stale: str | None = key
        if emoji is not None and emoji.image_remote_url == job.url:
            stale, emoji.image_key = emoji.image_key, key
            await session.flush()
    if stale is not None:
        await remove_files(ctx.settings, [stale])


FETCH_EMOJI: JobKind[FetchEmoji] = JobKind("media.fetch_emoji", FetchEmoji, Detached(_fetch))
JOBS = (FETCH_EMOJI,)
