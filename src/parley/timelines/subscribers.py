"""How home timelines follow events: a new post or repost is fanned out, a follow (of an
account or a tag) merges or unmerges the home (jobs queued in the event's transaction), and
a deleted post's homes are told."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from parley.events import Subscriber, record
from parley.events.posts import PostCreated, PostDeleted, PostGone, Reposted
from parley.events.social import FollowAccepted, FollowEnded, TagUnfollowed
from parley.jobs.queue import PRIORITY_BULK, enqueue
from parley.timelines.audience import homes_showing
from parley.timelines.jobs import (
    FANOUT_POST,
    MERGE_TIMELINE,
    UNMERGE_TIMELINE,
    FanoutPost,
    FollowChange,
    fanned_out_here,
)
from parley.timelines.tag_jobs import UNMERGE_TAG, UnfollowedTag


async def _post_created(session: AsyncSession, event: PostCreated) -> None:
    if not await fanned_out_here(session, event.post_id):
        await enqueue(session, FANOUT_POST, FanoutPost(event.post_id))


async def _reposted(session: AsyncSession, event: Reposted) -> None:
    if not await fanned_out_here(session, event.post_id):
        await enqueue(session, FANOUT_POST, FanoutPost(event.post_id))


async def _post_deleted(session: AsyncSession, event: PostDeleted) -> None:
    """Every home showing the post or a repost of it hears it is gone: read now, before
    the rows cascade away."""
    audience = tuple(sorted(await homes_showing(session, event.post_id)))
    await record(session, PostGone(event, audience))


async def _follow_accepted(session: AsyncSession, event: FollowAccepted) -> None:
    await enqueue(session, MERGE_TIMELINE, FollowChange(event.follower_id, event.target_id))


async def _follow_ended(session: AsyncSession, event: FollowEnded) -> None:
    await enqueue(session, UNMERGE_TIMELINE, FollowChange(event.follower_id, event.target_id))


async def _tag_unfollowed(session: AsyncSession, event: TagUnfollowed) -> None:
    await enqueue(session, UNMERGE_TAG, UnfollowedTag(event.account_id, event.tag_id),
                  priority=PRIORITY_BULK)


SUBSCRIBERS = (
    Subscriber(PostCreated, _post_created),
    Subscriber(Reposted, _reposted),
    Subscriber(PostDeleted, _post_deleted),
    Subscriber(FollowAccepted, _follow_accepted),
    Subscriber(FollowEnded, _follow_ended),
    Subscriber(TagUnfollowed, _tag_unfollowed),
)
