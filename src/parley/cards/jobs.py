"""The card job: a post's first link fetched outside any transaction (it waits on another
site), its image stored through the media pipeline, its card stored once per URL and reused
by every post linking there, refreshed after a while; the post then points at it and its
readers see it arrive (PostCardAttached)."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.cards.extract import CardData
from parley.cards.fetching import describe_link
from parley.cards.images import stored_image
from parley.cards.links import first_link
from parley.cards.models import PreviewCard
from parley.events import record
from parley.events.posts import PostCardAttached
from parley.jobs.queue import PRIORITY_BULK, enqueue
from parley.jobs.registry import Detached, DetachedContext, JobKind
from parley.lib.fetch import FetchRefused
from parley.lib.ids import new_id
from parley.lib.timefmt import as_utc, utcnow
from parley.media.jobs import REMOVE, RemoveFiles
from parley.media.processing import StoredImage, remove_files
from parley.posts.models import Post

log = logging.getLogger("parley.cards")

# A card is fetched again when a post links to it after this long (Mastodon: two weeks); a
# link that could not be described is tried again after an hour, not at every post.
REFRESH_AFTER = timedelta(days=14)
RETRY_FAILED_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class CardFor:
    """The post whose first link wants a card."""

    post_id: int


def is_fresh(card: PreviewCard, now: datetime) -> bool:
    age = now - as_utc(card.fetched_at)
    return age < (RETRY_FAILED_AFTER if card.error else REFRESH_AFTER)


async def _card(session: AsyncSession, url: str) -> PreviewCard | None:
    card: PreviewCard | None = await session.scalar(
        select(PreviewCard).where(PreviewCard.url == url))
    return card


@dataclass(frozen=True)
class Described:
    """What one fetch of a link found: its card (None: refused, with `error`), and the
    card's image as stored (None: it has none, or it could not be used)."""

    data: CardData | None
    image: StoredImage | None = None
    error: str | None = None


async def _describe(ctx: DetachedContext, card_id: int, url: str) -> Described:
    try:
        data = await describe_link(url, allow_private=ctx.settings.fetch_private_addresses)
    except FetchRefused as refused:
        log.info("no card for %s: %s", url, refused)
        return Described(None, error=str(refused) or "refused")
    image = (await stored_image(ctx.settings, card_id, data.image_url)
             if data.image_url else None)
    return Described(data, image)


async def _set_image(session: AsyncSession, card: PreviewCard, image: StoredImage | None
                     ) -> None:
    """The card shows this stored image (or none); the file it showed before is removed
    once this commits (a refresh, or another job's fetch of the same link)."""
    if card.image_key and card.image_key != (image.key if image else None):
        await enqueue(session, REMOVE, RemoveFiles(keys=[card.image_key]),
                      priority=PRIORITY_BULK)
    card.image_key = image.key if image else None
    card.blurhash = image.blurhash if image else None
    if card.type == "link":  # Mastodon: a link card's size is its image's
        card.width, card.height = (image.width, image.height) if image else (0, 0)


async def _store(session: AsyncSession, card_id: int, url: str, fetched: Described
                 ) -> PreviewCard:
    """The card of `url` with what this fetch found. A refresh that fails keeps the card
    it had (still shown, tried again after REFRESH_AFTER); a first fetch that fails records
    why."""
    card = await _card(session, url)
    if card is None:
        card = PreviewCard(id=card_id, url=url)
        session.add(card)
    card.fetched_at = utcnow()
    if fetched.data is not None:
        for name, value in asdict(fetched.data).items():
            setattr(card, name, value)
        await _set_image(session, card, fetched.image)
        card.error = None
    elif card.title or card.html:
        log.info("card %s kept after a failed refresh: %s", url, fetched.error)
    else:
        card.error = (fetched.error or "failed")[:255]
    await session.flush()
    return card


async def _attach(ctx: DetachedContext, post_id: int, url: str, card_id: int,
                  fetched: Described | None) -> None:
    """Record what this fetch found (None: the known card is fresh) and give the post its
    card, unless the post was edited meanwhile to another link."""
    async with ctx.db.write() as session:
        card = (await _card(session, url) if fetched is None
                else await _store(session, card_id, url, fetched))
        post = await session.get(Post, post_id)
        if post is None or first_link(post.text, ctx.settings.base_url) != url:
            return
        wanted = card.id if card is not None and not card.error else None
        if post.card_id != wanted:  # a card arrives, or an edited post's old one goes
            post.card_id = wanted
            await record(session, PostCardAttached(post.id))


async def fetch_card(ctx: DetachedContext, payload: CardFor) -> None:
    """Give the post the card of its first link, fetching it (and its image) unless a fresh
    one exists (no card when that link has none). A post edited meanwhile to another link
    is left to the job its edit queued."""
    async with ctx.db.read() as session:
        post = await session.get(Post, payload.post_id)
        url = first_link(post.text, ctx.settings.base_url) if post is not None else None
        if url is None:
            return
        known = await _card(session, url)
        fresh = known is not None and is_fresh(known, utcnow())
        card_id = known.id if known is not None else new_id()
    fetched = None if fresh else await _describe(ctx, card_id, url)
    try:
        await _attach(ctx, payload.post_id, url, card_id, fetched)
    except Exception:
        if fetched is not None and fetched.image is not None:  # never recorded: not kept
            await remove_files(ctx.settings, [fetched.image.key])
        raise


FETCH_CARD = JobKind("fetch_card", CardFor, Detached(fetch_card))
JOBS = (FETCH_CARD,)
