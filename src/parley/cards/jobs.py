"""The card job: a post's first link fetched outside any transaction (it waits on another
site), its card stored once per URL and reused by every post linking there, refreshed after
a while; the post then points at it and its readers see it arrive (PostCardAttached)."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.cards.extract import CardData
from parley.cards.fetching import describe_link
from parley.cards.links import first_link
from parley.cards.models import PreviewCard
from parley.events import record
from parley.events.posts import PostCardAttached
from parley.jobs.registry import Detached, DetachedContext, JobKind
from parley.lib.fetch import FetchRefused
from parley.lib.ids import new_id
from parley.lib.timefmt import as_utc, utcnow
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


async def _store(session: AsyncSession, url: str, data: CardData | None, error: str | None
                 ) -> PreviewCard:
    """The card of `url` with what this fetch found. A refresh that fails keeps the card
    it had (still shown, tried again after REFRESH_AFTER); a first fetch that fails records
    why."""
    card = await _card(session, url)
    if card is None:
        card = PreviewCard(id=new_id(), url=url)
        session.add(card)
    card.fetched_at = utcnow()
    if data is not None:
        for name, value in asdict(data).items():
            setattr(card, name, value)
        card.error = None
    elif card.title or card.html:
        log.info("card %s kept after a failed refresh: %s", url, error)
    else:
        card.error = (error or "failed")[:255]
    await session.flush()
    return card


async def fetch_card(ctx: DetachedContext, payload: CardFor) -> None:
    """Give the post the card of its first link, fetching it unless a fresh one exists (no
    card when that link has none). A post edited meanwhile to another link is left to the
    job its edit queued."""
    base_url = ctx.settings.base_url
    async with ctx.db.read() as session:
        post = await session.get(Post, payload.post_id)
        url = first_link(post.text, base_url) if post is not None else None
        if url is None:
            return
        known = await _card(session, url)
        fresh = known is not None and is_fresh(known, utcnow())
    data: CardData | None = None
    error: str | None = None
    if not fresh:
        try:
            data = await describe_link(url, allow_private=ctx.settings.fetch_private_addresses)
        except FetchRefused as refused:
            log.info("no card for %s: %s", url, refused)
            error = str(refused) or "refused"
    async with ctx.db.write() as session:
        card = await _card(session, url) if fresh else await _store(session, url, data, error)
        post = await session.get(Post, payload.post_id)
        if post is None or first_link(post.text, base_url) != url:
            return
        wanted = card.id if card is not None and not card.error else None
        if post.card_id != wanted:  # a card arrives, or an edited post's old one goes
            post.card_id = wanted
            await record(session, PostCardAttached(post.id))


FETCH_CARD = JobKind("fetch_card", CardFor, Detached(fetch_card))
JOBS = (FETCH_CARD,)
