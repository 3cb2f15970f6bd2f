"""Who has a post in their home timeline: the audience of its deletion or edit."""

from __future__ import annotations

from sqlalchemy import or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from parley.posts.models import Mention, Post, PostTag
from parley.social.models import Follow
from parley.store.database import off_loop
from parley.tags.models import TagFollow
from parley.timelines.models import TimelineEntry


async def homes_showing(session: AsyncSession, post_id: int) -> set[int]:
    """Owners of home timelines holding the post or a repost of it.

    timeline_entries has no post_id index (it would be a second b-tree written per
    delivery), so this probes the primary key of every account the fan-out could have
    delivered to: the authors of the post and its reposts, their followers, the mentioned
    accounts and the followers of the post's tags. Broadcast accounts' followers have no rows
    (home reads merge those posts): their streams hear through the followers_of channel.
    """
    # As many primary-key probes as the author has followers: not in the event loop's thread.
    with off_loop():
        return await _homes_showing(session, post_id)


async def _homes_showing(session: AsyncSession, post_id: int) -> set[int]:
    found = (await session.execute(select(Post.id, Post.account_id).where(
        or_(Post.id == post_id, Post.repost_of_id == post_id)))).all()
    if not found:
        return set()
    post_ids = [row[0] for row in found]
    authors = sorted({row[1] for row in found})
    candidates = union(
        select(Follow.account_id).where(Follow.target_account_id.in_(authors),
                                        Follow.state == "accepted"),
        select(Mention.account_id).where(Mention.post_id == post_id),
        select(TagFollow.account_id).join(PostTag, PostTag.tag_id == TagFollow.tag_id)
        .where(PostTag.post_id == post_id),
    ).subquery()
    rows = await session.scalars(
        select(TimelineEntry.owner_id)
        .where(TimelineEntry.owner_id.in_(select(candidates.c[0])),
               TimelineEntry.post_id.in_(post_ids)))
    owners = set(rows.all())
    owners.update((await session.scalars(select(TimelineEntry.owner_id).where(
        TimelineEntry.owner_id.in_(authors), TimelineEntry.post_id.in_(post_ids)))).all())
    return owners
