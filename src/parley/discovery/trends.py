"""Trends computed from recent activity: tags more people use now than usual, public posts
drawing likes, reposts and replies, and links (preview cards) many people share."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, distinct, func, literal_column, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import Label

from parley.accounts.models import Account
from parley.cards.models import PreviewCard
from parley.lib.ids import lowest_id_at
from parley.lib.timefmt import as_utc, utcnow
from parley.posts.models import DISTRIBUTABLE, Like, Post, PostTag, Tag
from parley.posts.visibility import not_blocked_or_muted
from parley.tags.service import HISTORY_DAYS, DayUse

# Tags: distinct accounts using a tag in the last day against its daily average over the
# week before; a tag trends when clearly above what is usual for it.
TAG_BASELINE_DAYS = 7
MIN_TAG_ACCOUNTS = 2
# Posts: interactions from others over the last two days, on posts at most a week old,
# halving in weight every day of the post's age.
STATUS_WINDOW = timedelta(days=2)
STATUS_MAX_AGE = timedelta(days=7)
STATUS_HALF_LIFE_HOURS = 24.0
MIN_STATUS_PEOPLE = 2
MAX_CANDIDATES = 500
# Links: distinct accounts sharing a link in public posts over the last two days.
LINK_WINDOW = timedelta(days=2)
MIN_LINK_ACCOUNTS = 2
_DAY_MS = 86_400_000
_DAY_IDS = _DAY_MS << 16  # one day of snowflake ids (ms << 16)


async def _daily_tag_accounts(session: AsyncSession, now: datetime
                              ) -> dict[int, list[int]]:
    """tag id -> distinct accounts per day back from now (index 0: the last 24 hours), for
    tags used in public posts by discoverable accounts during the last day."""
    now_id = lowest_id_at(now)
    # Inlined literals: the grouped expression must be the same text in SELECT and GROUP BY.
    age_days: Label[int] = ((literal_column(str(now_id)) - PostTag.post_id)
                // literal_column(str(_DAY_IDS))).label("age_days")
    recent = select(PostTag.tag_id).where(PostTag.post_id >= lowest_id_at(now - timedelta(1)))
    rows = await session.execute(
        select(PostTag.tag_id, age_days, func.count(distinct(Post.account_id)))
        .join(Post, Post.id == PostTag.post_id)
        .join(Account, Account.id == Post.account_id)
        .where(PostTag.post_id >= lowest_id_at(now - timedelta(days=TAG_BASELINE_DAYS + 1)),
               PostTag.tag_id.in_(recent), Post.visibility == "public",
               Post.repost_of_id.is_(None), Account.discoverable.is_(True))
        .group_by(PostTag.tag_id, age_days))
    daily: dict[int, list[int]] = defaultdict(lambda: [0] * (TAG_BASELINE_DAYS + 1))
    for tag_id, age, accounts in rows.tuples():
        if 0 <= int(age) <= TAG_BASELINE_DAYS:
            daily[int(tag_id)][int(age)] = int(accounts)
    return daily


def tag_score(daily: list[int]) -> float:
    """How far today's accounts exceed the usual daily number (0: not trending)."""
    observed = daily[0]
    expected = max(1.0, sum(daily[1:]) / TAG_BASELINE_DAYS)
    if observed < MIN_TAG_ACCOUNTS or observed <= expected:
        return 0.0
    return (observed - expected) ** 2 / expected


async def trending_tags(session: AsyncSession, *, offset: int, limit: int) -> list[Tag]:
    """Tags trending now, highest score first."""
    daily = await _daily_tag_accounts(session, utcnow())
    scored = sorted(((tag_score(counts), counts[0], tag_id) for tag_id, counts in daily.items()),
                    reverse=True)
    ids = [tag_id for score, _, tag_id in scored if score > 0][offset:offset + limit]
    if not ids:
        return []
    tags = {tag.id: tag for tag in await session.scalars(select(Tag).where(Tag.id.in_(ids)))}
    return [tags[tag_id] for tag_id in ids if tag_id in tags]


def _interactions(since_id: int) -> Any:
    """(post_id, actor) rows: likes, reposts and public replies made since `since_id`."""
    likes = select(Like.post_id.label("post_id"), Like.account_id.label("actor")).where(
        Like.id >= since_id)
    reposts = select(Post.repost_of_id.label("post_id"), Post.account_id.label("actor")).where(
        Post.id >= since_id, Post.repost_of_id.is_not(None))
    replies = select(Post.in_reply_to_id.label("post_id"), Post.account_id.label("actor")).where(
        Post.id >= since_id, Post.in_reply_to_id.is_not(None),
        Post.visibility.in_(DISTRIBUTABLE))
    return union_all(likes, reposts, replies).subquery()


def post_score(interactions: int, created_at: datetime, now: datetime) -> float:
    age_hours = max(0.0, (now - as_utc(created_at)).total_seconds() / 3600)
    return float(interactions) * 0.5 ** (age_hours / STATUS_HALF_LIFE_HOURS)


async def trending_posts(session: AsyncSession, *, viewer_id: int | None, offset: int,
                         limit: int) -> list[Post]:
    """Public, original, non-reply posts by discoverable accounts that at least
    MIN_STATUS_PEOPLE others liked, reposted or answered lately; highest score first."""
    now = utcnow()
    acts = _interactions(lowest_id_at(now - STATUS_WINDOW))
    people = func.count(distinct(acts.c.actor))
    count = func.count()
    rows = await session.execute(
        select(Post, count)
        .join(acts, acts.c.post_id == Post.id)
        .join(Account, Account.id == Post.account_id)
        .where(Post.id >= lowest_id_at(now - STATUS_MAX_AGE), Post.visibility == "public",
               Post.repost_of_id.is_(None),
               or_(Post.in_reply_to_id.is_(None),
                   Post.in_reply_to_account_id == Post.account_id),
               acts.c.actor != Post.account_id, Account.discoverable.is_(True),
               not_blocked_or_muted(viewer_id))
        .group_by(Post.id).having(people >= MIN_STATUS_PEOPLE)
        .order_by(count.desc()).limit(MAX_CANDIDATES))
    scored = sorted(((post_score(n, post.created_at, now), post.id, post)
                     for post, n in rows.tuples()), key=lambda item: item[:2], reverse=True)
    return [post for _, _, post in scored[offset:offset + limit]]


@dataclass(frozen=True)
class LinkTrend:
    """A trending link: its card and its daily uses, newest day first."""

    card: PreviewCard
    history: list[DayUse]


_SHARERS = func.count(distinct(Post.account_id))


def _link_shares() -> Select[int | None, int, int]:
    """The trend rule for links, one home for the list and the link timeline: each card
    shared in public, original posts by discoverable accounts over the last LINK_WINDOW, by
    at least MIN_LINK_ACCOUNTS accounts; (card id, accounts, posts)."""
    since = lowest_id_at(utcnow() - LINK_WINDOW)
    return (select(Post.card_id, _SHARERS, func.count())
            .join(Account, Account.id == Post.account_id)
            .where(Post.id >= since, Post.card_id.is_not(None), Post.visibility == "public",
                   Post.repost_of_id.is_(None), Account.discoverable.is_(True))
            .group_by(Post.card_id).having(_SHARERS >= MIN_LINK_ACCOUNTS))


async def trending_links(session: AsyncSession, *, offset: int, limit: int
                         ) -> list[LinkTrend]:
    """Trending links (their preview cards, _link_shares), ranked by the distinct accounts
    sharing them (then by posts). Three statements: the ranking, the cards, their
    histories."""
    ranked = await session.execute(
        _link_shares().order_by(_SHARERS.desc(), func.count().desc(), Post.card_id.desc())
        .offset(offset).limit(limit))
    ids = [int(card_id or 0) for card_id, _, _ in ranked.tuples()]
    if not ids:
        return []
    cards = {card.id: card for card in await session.scalars(
        select(PreviewCard).where(PreviewCard.id.in_(ids)))}
    histories = await _link_histories(session, ids)
    return [LinkTrend(cards[i], histories[i]) for i in ids if i in cards]


async def trending_card(session: AsyncSession, url: str) -> int | None:
    """The id of the card of `url` if that link trends now (_link_shares), else None."""
    card_id = await session.scalar(select(PreviewCard.id).where(PreviewCard.url == url))
    if card_id is None:
        return None
    trending = await session.scalar(_link_shares().where(Post.card_id == card_id))
    return int(card_id) if trending is not None else None


async def _link_histories(session: AsyncSession, card_ids: list[int]
                          ) -> dict[int, list[DayUse]]:
    """HISTORY_DAYS daily buckets per card (UTC days, as tag histories count them): public
    original posts sharing it and the distinct accounts that wrote them."""
    today = int(utcnow().timestamp() * 1000) // _DAY_MS
    day = (Post.id // literal_column(str(_DAY_IDS))).label("day")
    rows = await session.execute(
        select(Post.card_id, day, func.count(), func.count(distinct(Post.account_id)))
        .where(Post.card_id.in_(card_ids),
               Post.id >= lowest_id_at(utcnow() - timedelta(days=HISTORY_DAYS)),
               Post.visibility == "public", Post.repost_of_id.is_(None))
        .group_by(Post.card_id, day))
    counts = {(int(c or 0), int(d)): (int(u), int(a)) for c, d, u, a in rows.tuples()}
    return {card_id: [DayUse(day=d * 86_400, uses=counts.get((card_id, d), (0, 0))[0],
                             accounts=counts.get((card_id, d), (0, 0))[1])
                      for d in range(today, today - HISTORY_DAYS, -1)]
            for card_id in card_ids}
