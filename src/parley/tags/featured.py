"""Featured tags: the hashtags an account shows on its profile, with its own use of each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from parley.errors import Invalid, NotFound
from parley.lib.ids import new_id
from parley.posts.models import DISTRIBUTABLE, Post, PostTag, Tag
from parley.tags.models import FeaturedTag
from parley.tags.service import ensure_tag, tag_or_placeholder

MAX_FEATURED_TAGS = 10
SUGGESTIONS_LIMIT = 10


@dataclass(frozen=True)
class FeaturedTagView:
    """A featured tag with the account's public posts carrying it."""

    featured: FeaturedTag
    tag: Tag
    posts_count: int
    last_post_at: datetime | None


def _own_public_posts(account_id: int) -> list[ColumnElement[bool]]:
    return [Post.account_id == account_id, Post.visibility.in_(DISTRIBUTABLE),
            Post.repost_of_id.is_(None)]


async def _views(session: AsyncSession, account_id: int,
                 rows: Sequence[tuple[FeaturedTag, Tag]]) -> list[FeaturedTagView]:
    """Counts and last dates for every featured tag in one grouped query."""
    tag_ids = [tag.id for _, tag in rows]
    stats: dict[int, tuple[int, datetime | None]] = {}
    if tag_ids:
        result = await session.execute(
            select(PostTag.tag_id, func.count(), func.max(Post.created_at))
            .join(Post, Post.id == PostTag.post_id)
            .where(PostTag.tag_id.in_(tag_ids), *_own_public_posts(account_id))
            .group_by(PostTag.tag_id))
        stats = {int(tag_id): (int(count), last) for tag_id, count, last in result.tuples()}
    return [FeaturedTagView(featured=featured, tag=tag,
                            posts_count=stats.get(tag.id, (0, None))[0],
                            last_post_at=stats.get(tag.id, (0, None))[1])
            for featured, tag in rows]


async def featured_tags(session: AsyncSession, *, account_id: int) -> list[FeaturedTagView]:
    """The account's featured tags, most used first."""
    rows = (await session.execute(
        select(FeaturedTag, Tag).join(Tag, Tag.id == FeaturedTag.tag_id)
        .where(FeaturedTag.account_id == account_id).order_by(FeaturedTag.id))).tuples().all()
    views = await _views(session, account_id, rows)
    return sorted(views, key=lambda view: (-view.posts_count, view.tag.name))


async def feature_tag(session: AsyncSession, *, account_id: int, name: str
                      ) -> FeaturedTagView:
    """Feature a tag on the profile (creating the tag if new); featuring it again is a no-op."""
    tag = await ensure_tag(session, name)
    featured = await session.scalar(select(FeaturedTag).where(
        FeaturedTag.account_id == account_id, FeaturedTag.tag_id == tag.id))
    if featured is None:
        count = await session.scalar(select(func.count()).select_from(FeaturedTag)
                                     .where(FeaturedTag.account_id == account_id)) or 0
        if count >= MAX_FEATURED_TAGS:
            raise Invalid(f"Validation failed: You can feature at most {MAX_FEATURED_TAGS} "
                          "hashtags")
        featured = FeaturedTag(id=new_id(), account_id=account_id, tag_id=tag.id)
        session.add(featured)
        await session.flush()
    return (await _views(session, account_id, [(featured, tag)]))[0]


async def unfeature(session: AsyncSession, *, account_id: int, featured_id: int) -> None:
    """Remove one of the account's featured tags by its id."""
    result = await session.execute(delete(FeaturedTag).where(
        FeaturedTag.id == featured_id, FeaturedTag.account_id == account_id))
    if not getattr(result, "rowcount", 0):
        raise NotFound()


async def unfeature_tag(session: AsyncSession, *, account_id: int, name: str) -> Tag:
    """Remove a featured tag by name; not featuring it is fine."""
    tag = await tag_or_placeholder(session, name)
    if tag.id:
        await session.execute(delete(FeaturedTag).where(
            FeaturedTag.account_id == account_id, FeaturedTag.tag_id == tag.id))
    return tag


async def featured_tag_suggestions(session: AsyncSession, *, account_id: int) -> list[Tag]:
    """The tags the account used most recently in its own posts, not featured yet."""
    featured = select(FeaturedTag.tag_id).where(FeaturedTag.account_id == account_id)
    last_use = func.max(PostTag.post_id)
    recent = (select(PostTag.tag_id, last_use.label("last_use"))
              .join(Post, Post.id == PostTag.post_id)
              .where(*_own_public_posts(account_id), PostTag.tag_id.not_in(featured))
              .group_by(PostTag.tag_id).subquery())
    rows = await session.scalars(select(Tag).join(recent, recent.c.tag_id == Tag.id)
                                 .order_by(recent.c.last_use.desc()).limit(SUGGESTIONS_LIMIT))
    return list(rows)
