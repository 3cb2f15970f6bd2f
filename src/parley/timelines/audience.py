"""Who has a post in their home timeline: the audience of its deletion or edit."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.posts.models import Post
from parley.timelines.models import TimelineEntry


async def homes_showing(session: AsyncSession, post_id: int) -> set[int]:
    """Owners of home timelines holding the post or a repost of it (one indexed join)."""
    rows = await session.scalars(
        select(TimelineEntry.owner_id).join(Post, Post.id == TimelineEntry.post_id)
        .where(or_(Post.id == post_id, Post.repost_of_id == post_id)))
    return set(rows.all())
