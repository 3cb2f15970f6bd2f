"""Hashtag services: finding tags, their 7-day usage history, following and unfollowing them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, distinct, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnClause

from parley.errors import Invalid, NotFound
from parley.events import record
from parley.events.social import TagUnfollowed
from parley.lib.ids import lowest_id_at, new_id
from parley.lib.paging import Page
from parley.lib.text import MAX_TAG_LENGTH
from parley.lib.timefmt import utcnow
from parley.posts.models import DISTRIBUTABLE, Post, PostTag, Tag
from parley.store.dialect import dialect_of
from parley.tags.models import FeaturedTag, TagFollow

# The hashtag grammar of lib/text.py: word characters with at least one letter.
TAG_NAME = re.compile(r"^\w*[^\W\d_]\w*$")
HISTORY_DAYS = 7
_DAY_MS = 86_400_000
# Snowflake ids are (ms << 16 | seq): integer division by this gives the UTC day number.
# Inlined as a literal so that SELECT and GROUP BY are the same expression on PostgreSQL.
_DAY_OF_ID: ColumnClause[int] = literal_column(str(_DAY_MS << 16))


@dataclass(frozen=True)
class DayUse:
    """One day of a tag's history: the day's UTC midnight (unix seconds), posts, accounts."""

    day: int
    uses: int
    accounts: int


@dataclass
class TagView:
    """A tag as one viewer sees it. `tag.id` is 0 for a valid name nobody has used yet."""

    tag: Tag
    history: list[DayUse] = field(default_factory=list)
    following: bool = False
    featuring: bool = False


def normalise_name(raw: str) -> str | None:
    """The lookup key of a tag name as typed (no '#', lower case), or None if it is not one."""
    name = raw.strip().removeprefix("#")
    if not name or len(name) > MAX_TAG_LENGTH or not TAG_NAME.match(name):
        return None
    return name.lower()


def require_name(raw: str) -> str:
    """normalise_name for input that must be a tag name (Invalid otherwise)."""
    key = normalise_name(raw)
    if key is None:
        raise Invalid("Validation failed: Name is not a valid hashtag")
    return key


async def find_tag(session: AsyncSession, raw: str) -> Tag | None:
    key = normalise_name(raw)
    if key is None:
        return None
    tag: Tag | None = await session.scalar(select(Tag).where(Tag.name == key))
    return tag


async def tag_or_placeholder(session: AsyncSession, raw: str) -> Tag:
    """The tag, or an unsaved one (id 0) for a valid name never used; NotFound if invalid."""
    key = normalise_name(raw)
    if key is None:
        raise NotFound()
    found = await find_tag(session, key)
    return found or Tag(id=0, name=key, display_name=raw.strip().removeprefix("#"))


async def ensure_tag(session: AsyncSession, raw: str) -> Tag:
    """The tag named `raw`, created if new (concurrent creators both end with the same row)."""
    key = require_name(raw)
    await session.execute(dialect_of(session).insert_ignoring(Tag, ["name"]).values(
        id=new_id(), name=key, display_name=raw.strip().removeprefix("#"), created_at=utcnow()))
    tag = await session.scalar(select(Tag).where(Tag.name == key))
    assert tag is not None
    return tag


def _history_days() -> list[int]:
    """Day numbers (days since the epoch, UTC) from today back HISTORY_DAYS - 1 days."""
    today = int(utcnow().timestamp() * 1000) // _DAY_MS
    return [today - offset for offset in range(HISTORY_DAYS)]


async def tag_histories(session: AsyncSession, tag_ids: Sequence[int]
                        ) -> dict[int, list[DayUse]]:
    """7 daily buckets per tag, newest first: public and unlisted posts (not reposts) carrying
    the tag and the distinct accounts that wrote them. One grouped query for all tags."""
    days = _history_days()
    wanted = [tag_id for tag_id in set(tag_ids) if tag_id]
    counts: dict[tuple[int, int], tuple[int, int]] = {}
    if wanted:
        day = (PostTag.post_id // _DAY_OF_ID).label("day")
        oldest = lowest_id_at(utcnow() - timedelta(days=HISTORY_DAYS))
        rows = await session.execute(
            select(PostTag.tag_id, day, func.count(), func.count(distinct(Post.account_id)))
            .join(Post, Post.id == PostTag.post_id)
            .where(PostTag.tag_id.in_(wanted), PostTag.post_id >= oldest,
                   Post.visibility.in_(DISTRIBUTABLE), Post.repost_of_id.is_(None))
            .group_by(PostTag.tag_id, day))
        counts = {(int(t), int(d)): (int(u), int(a)) for t, d, u, a in rows.tuples()}
    return {tag_id: [DayUse(day=d * 86_400, uses=counts.get((tag_id, d), (0, 0))[0],
                            accounts=counts.get((tag_id, d), (0, 0))[1]) for d in days]
            for tag_id in tag_ids}


async def describe_tags(session: AsyncSession, tags: Sequence[Tag], *,
                        viewer_id: int | None) -> list[TagView]:
    """TagViews for a page of tags in three queries (history, following, featuring)."""
    ids = [tag.id for tag in tags if tag.id]
    histories = await tag_histories(session, [tag.id for tag in tags])
    followed: set[int] = set()
    featured: set[int] = set()
    if viewer_id is not None and ids:
        followed = set(await session.scalars(select(TagFollow.tag_id).where(
            TagFollow.account_id == viewer_id, TagFollow.tag_id.in_(ids))))
        featured = set(await session.scalars(select(FeaturedTag.tag_id).where(
            FeaturedTag.account_id == viewer_id, FeaturedTag.tag_id.in_(ids))))
    return [TagView(tag=tag, history=histories.get(tag.id, []), following=tag.id in followed,
                    featuring=tag.id in featured) for tag in tags]


async def describe_tag(session: AsyncSession, tag: Tag, *, viewer_id: int | None) -> TagView:
    return (await describe_tags(session, [tag], viewer_id=viewer_id))[0]


async def follow_tag(session: AsyncSession, *, actor_id: int, name: str) -> Tag:
    """Follow a tag (creating it if new); following again changes nothing."""
    tag = await ensure_tag(session, name)
    await session.execute(
        dialect_of(session).insert_ignoring(TagFollow, ["account_id", "tag_id"])
        .values(id=new_id(), account_id=actor_id, tag_id=tag.id, created_at=utcnow()))
    return tag


async def unfollow_tag(session: AsyncSession, *, actor_id: int, name: str) -> Tag:
    """Stop following a tag; its posts brought into home by the tag leave it (a job)."""
    tag = await tag_or_placeholder(session, name)
    if not tag.id:
        return tag
    result = await session.execute(delete(TagFollow).where(
        TagFollow.account_id == actor_id, TagFollow.tag_id == tag.id))
    if getattr(result, "rowcount", 0):
        await record(session, TagUnfollowed(actor_id, tag.id))
    return tag


async def followed_tags(session: AsyncSession, *, account_id: int, page: Page
                        ) -> list[tuple[int, Tag]]:
    """(follow id, tag) pairs, newest follow first; the follow id pages the list."""
    stmt = (select(TagFollow.id, Tag).join(Tag, Tag.id == TagFollow.tag_id)
            .where(TagFollow.account_id == account_id))
    rows = (await session.execute(page.apply(stmt, TagFollow.id))).all()
    return page.arrange([(int(row[0]), row[1]) for row in rows])

