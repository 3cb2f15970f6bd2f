"""Attachments of posts from other servers: recorded as rows naming their remote URL (with
what the other server said of them: type, description, blurhash, focus), then fetched and
stored by a job through the same pipeline as uploads, so that clients get this server's URLs
and never load a file from a server they did not choose. Until then (or for ever, when the
server refuses media from that domain, or the file cannot be had) the API shows `url` null
and `remote_url` set, as Mastodon does.

The fetch is address-checked (lib/transport's client, private addresses only where
federation allows insecure peers), capped in bytes while it streams to disk (Mastodon's
upload limits: a file is no larger here for having come from elsewhere), and the file is
sniffed and processed as an upload is (media/processing.py): the type another server
declared decides nothing but the size cap. A server that fails (no answer, 5xx, 429) is asked
again over about a day (RETRY_DELAYS); any other refusal fails the attachment at once."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from parley.config import VERSION, Settings
from parley.errors import Invalid
from parley.events import record
from parley.events.media import MediaProcessed
from parley.jobs.queue import PRIORITY_BULK, enqueue
from parley.jobs.registry import Detached, DetachedContext, JobKind
from parley.lib.fetch import FetchRefused
from parley.lib.ids import new_id
from parley.lib.numbers import ascii_int
from parley.lib.timefmt import utcnow
from parley.lib.transport import checked_client
from parley.media import processing
from parley.media.limits import DESCRIPTION_LIMIT, IMAGE_SIZE_LIMIT, VIDEO_SIZE_LIMIT
from parley.media.models import DONE, FAILED, PROCESSING, MediaAttachment

log = logging.getLogger("parley.media")

FETCH_TIMEOUT_S = 30.0
MAX_REDIRECTS = 3
# Waits before each new try of a file whose server failed (about a day in all), then failed.
RETRY_DELAYS = tuple(timedelta(seconds=s) for s in (60, 600, 3600, 6 * 3600, 18 * 3600))
BLURHASH_MAX = 64  # the column's size; a longer one (many components) is left to ours


@dataclass(frozen=True)
class RemoteMedia:
    """An attachment as another server describes it (its mediaType, not yet checked)."""

    url: str
    media_type: str = ""
    description: str = ""
    blurhash: str | None = None
    focus: tuple[float, float] | None = None


@dataclass(frozen=True)
class FetchRemote:
    media_id: int
    attempt: int = 0  # earlier tries that found the server failing


class Transient(Exception):
    """The file could not be had this time (the server unreachable or failing): retried."""


def kind_of(media_type: str) -> str:
    """Mastodon's attachment type from a declared media type (until the file, sniffed, says
    what it is: a GIF becomes gifv then)."""
    major = media_type.split("/", 1)[0].strip().lower()
    return major if major in ("image", "video", "audio") else "unknown"


async def record_remote(session: AsyncSession, *, account_id: int,
                        media: Sequence[RemoteMedia], fetch: bool) -> list[MediaAttachment]:
    """Rows for a remote post's attachments, in order (not yet on the post: the caller
    attaches them); a fetch job for each when `fetch`, else they stay remote (failed: never
    fetched, `url` null)."""
    rows = []
    for item in media:
        focus_x, focus_y = item.focus if item.focus else (None, None)
        rows.append(MediaAttachment(
            id=new_id(), account_id=account_id, type=kind_of(item.media_type),
            state=PROCESSING if fetch else FAILED, remote_url=item.url,
            description=item.description[:DESCRIPTION_LIMIT] or None,
            blurhash=item.blurhash if item.blurhash and len(item.blurhash) <= BLURHASH_MAX
            else None, focus_x=focus_x, focus_y=focus_y, meta={}))
    session.add_all(rows)
    await session.flush()
    if fetch:
        for row in rows:
            await enqueue(session, FETCH, FetchRemote(media_id=row.id),
                          priority=PRIORITY_BULK)
    return rows


def _cap(kind: str) -> int:
    return IMAGE_SIZE_LIMIT if kind == "image" else VIDEO_SIZE_LIMIT


def _allowed_scheme(url: str, settings: Settings) -> bool:
    scheme = urlsplit(url).scheme
    return scheme == "https" or (scheme == "http" and settings.federation_insecure_peers)


async def download(settings: Settings, url: str, target: Path, max_bytes: int) -> int:
    """Stream the file at `url` into `target` (following up to MAX_REDIRECTS redirects: media
    often live on another host), at most `max_bytes`; its size. FetchRefused for what will
    not change (a refused address or scheme, a 4xx, too large), Transient for what may (no
    answer, a 5xx or 429)."""
    client = checked_client(allow_private=settings.federation_insecure_peers,
                            ca_bundle=settings.federation_ca_bundle, timeout=FETCH_TIMEOUT_S,
                            max_connections=2,
                            user_agent=f"Parley/{VERSION} (+{settings.base_url}/)")
    try:
        async with client:
            for _ in range(MAX_REDIRECTS + 1):
                if not _allowed_scheme(url, settings):
                    raise FetchRefused(f"{url} is not an https URL")
                async with client.stream("GET", url) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        continue
                    return await _save(response, url, target, max_bytes)
    except httpx.HTTPError as error:
        raise Transient(str(error) or type(error).__name__) from error
    raise FetchRefused(f"{url}: too many redirects")


async def _save(response: httpx.Response, url: str, target: Path, max_bytes: int) -> int:
    if response.status_code >= 500 or response.status_code == 429:
        raise Transient(f"{url} answered {response.status_code}")
    if response.status_code != 200:
        raise FetchRefused(f"{url} answered {response.status_code}")
    declared = ascii_int(response.headers.get("content-length"))
    if declared is not None and declared > max_bytes:
        raise FetchRefused(f"{url} is larger than {max_bytes} bytes")
    size = 0
    with target.open("wb") as out:
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise FetchRefused(f"{url} is larger than {max_bytes} bytes")
            out.write(chunk)
    return size


async def _claim(ctx: DetachedContext, media_id: int) -> MediaAttachment | None:
    async with ctx.db.read() as session:
        media = await session.get(MediaAttachment, media_id)
        if media is None or media.state != PROCESSING or not media.remote_url \
                or media.file_key:
            return None
        session.expunge(media)
        return media


async def _fetched(ctx: DetachedContext, media: MediaAttachment) -> processing.Outcome | None:
    """The file fetched and processed; None when it cannot be had or used (Transient raised
    when it may be had later)."""
    assert media.remote_url is not None
    with tempfile.TemporaryDirectory(dir=processing.tmp_dir(ctx.settings)) as work:
        path = Path(work) / "remote"
        try:
            size = await download(ctx.settings, media.remote_url, path, _cap(media.type))
            return await processing.process_upload(ctx.settings, media.id, path, size,
                                                   synchronous=True)
        except FetchRefused as refused:
            log.info("remote media %s not fetched: %s", media.id, refused)
        except Invalid as invalid:
            log.info("remote media %s not used: %s", media.id, invalid.message)
    return None


async def _fetch(ctx: DetachedContext, payload: FetchRemote) -> None:
    """Fetch and process outside any transaction, then record the outcome in a short one
    (the post's shown attachments follow through MediaProcessed)."""
    media = await _claim(ctx, payload.media_id)
    if media is None:  # done already, or gone with its post: nothing to do
        return
    try:
        outcome = await _fetched(ctx, media)
    except Transient as failing:
        if payload.attempt < len(RETRY_DELAYS):
            log.info("remote media %s: %s; tried again later", media.id, failing)
            async with ctx.db.write() as session:
                await enqueue(session, FETCH, FetchRemote(media.id, payload.attempt + 1),
                              priority=PRIORITY_BULK,
                              run_at=utcnow() + RETRY_DELAYS[payload.attempt])
            return
        log.info("remote media %s: %s; given up", media.id, failing)
        outcome = None
    async with ctx.db.write() as session:
        current = await session.get(MediaAttachment, media.id)
        if current is None or current.state != PROCESSING:
            if outcome is not None:
                await processing.remove_files(ctx.settings, outcome.stored_keys())
            return
        if outcome is None or outcome.state != DONE:
            current.state = FAILED
        else:
            current.state, current.type = DONE, outcome.type
            current.file_key, current.small_key = outcome.file_key, outcome.small_key
            current.content_type, current.file_size = outcome.content_type, outcome.file_size
            current.meta = outcome.meta
            current.blurhash = outcome.blurhash or current.blurhash
        await session.flush()
        await record(session, MediaProcessed(current.id, current.post_id))


FETCH: JobKind[FetchRemote] = JobKind("media.fetch_remote", FetchRemote, Detached(_fetch))
JOBS = (FETCH,)
