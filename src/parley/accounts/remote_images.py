"""Remote accounts' avatars and headers, copied here: the image its server names (kept as
`*_remote_url`) is fetched by a job, address-checked and capped as remote post media are
(media/remote.py download), then cropped and stored as an upload is (accounts/images.py), so
that clients load this server's copy and never a file from a server they did not choose.
A new remote URL fetches the image again (the previous copy shown until the new one is in);
an image that is gone, refused (the server's media rejected) or no image has no copy (the
default is shown). A server that fails is asked again over about a day."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.images import KINDS, MAX_UPLOAD_BYTES, ImageKind, stored_image, stored_key
from parley.accounts.models import Account
from parley.config import Settings
from parley.errors import Invalid
from parley.jobs.queue import PRIORITY_BULK, enqueue
from parley.jobs.registry import Detached, DetachedContext, JobKind
from parley.lib.fetch import FetchRefused
from parley.lib.timefmt import utcnow
from parley.media.processing import remove_files, tmp_dir
from parley.media.remote import RETRY_DELAYS, Transient, download

log = logging.getLogger("parley.accounts")


@dataclass(frozen=True)
class FetchImage:
    """Copy the image `url` as the account's `kind` (avatar or header)."""

    account_id: int
    kind: str
    url: str
    attempt: int = 0  # earlier tries that found the server failing


@dataclass(frozen=True)
class ForgetImage:
    """Remove a stored copy no account shows any more (by its URL)."""

    url: str


async def _forget(session: AsyncSession, url: str | None) -> None:
    """Have a copy removed once the change that dropped it commits."""
    if url is not None:
        await enqueue(session, FORGET_IMAGE, ForgetImage(url), priority=PRIORITY_BULK)


async def _remove(ctx: DetachedContext, job: ForgetImage) -> None:
    key = stored_key(ctx.settings, job.url)  # only a file this server stored, never a URL
    if key is not None:
        await remove_files(ctx.settings, [key])


async def keep_images(session: AsyncSession, account: Account,
                      before: dict[str, str | None], *, fetch: bool) -> None:
    """After a remote profile is stored: fetch each image whose remote URL is new (or that
    has no copy yet); drop the copy of one gone (or, `fetch` False, of every one). `before`:
    the remote URLs the account had (empty for a new account)."""
    for name, kind in KINDS.items():
        remote = getattr(account, kind.remote_column)
        copy = getattr(account, kind.column)
        if remote is None or not fetch:
            if copy is not None:
                setattr(account, kind.column, None)
                await _forget(session, copy)
        elif remote != before.get(name) or copy is None:
            await enqueue(session, FETCH_IMAGE, FetchImage(account.id, name, remote),
                          priority=PRIORITY_BULK)
    await session.flush()


async def _copy(settings: Settings, kind: ImageKind, url: str) -> str | None:
    """The image fetched, cropped and stored: its copy's URL; None when it cannot be had
    or is no image (Transient raised when it may be had later)."""
    with tempfile.TemporaryDirectory(dir=tmp_dir(settings)) as work:
        path = Path(work) / "image"
        try:
            await download(settings, url, path, MAX_UPLOAD_BYTES)
            data = await asyncio.to_thread(path.read_bytes)
            return await stored_image(settings, kind, data)
        except FetchRefused as refused:
            log.info("remote %s %s not fetched: %s", kind.name, url, refused)
        except Invalid as invalid:
            log.info("remote %s %s not used: %s", kind.name, url, invalid.message)
    return None


async def _fetch(ctx: DetachedContext, job: FetchImage) -> None:
    """Fetch outside any transaction; then, in a short one, show the copy if the account
    still names that image (else the copy is dropped: a newer one is on its way)."""
    kind = KINDS.get(job.kind)
    async with ctx.db.read() as session:
        account = await session.get(Account, job.account_id)
        wanted = (kind is not None and account is not None and account.domain is not None
                  and getattr(account, kind.remote_column) == job.url)
    if not wanted or kind is None:
        return
    try:
        copy = await _copy(ctx.settings, kind, job.url)
    except Transient as failing:
        async with ctx.db.write() as session:
            if job.attempt < len(RETRY_DELAYS):
                await enqueue(session, FETCH_IMAGE, FetchImage(
                    job.account_id, job.kind, job.url, job.attempt + 1),
                    priority=PRIORITY_BULK, run_at=utcnow() + RETRY_DELAYS[job.attempt])
            else:
                log.info("remote %s %s: %s; given up", kind.name, job.url, failing)
        return
    async with ctx.db.write() as session:
        account = await session.get(Account, job.account_id)
        if account is None or getattr(account, kind.remote_column) != job.url:
            await _forget(session, copy)
            return
        previous = getattr(account, kind.column)
        setattr(account, kind.column, copy)
        await session.flush()
        if previous != copy:
            await _forget(session, previous)


FETCH_IMAGE: JobKind[FetchImage] = JobKind("accounts.fetch_remote_image", FetchImage,
                                          Detached(_fetch))
FORGET_IMAGE: JobKind[ForgetImage] = JobKind("accounts.forget_remote_image", ForgetImage,
                                            Detached(_remove))
JOBS = (FETCH_IMAGE, FORGET_IMAGE)
