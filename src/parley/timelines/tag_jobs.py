"""Home timelines after a tag is unfollowed: the posts the tag alone brought leave them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, exists, select

from parley.jobs.registry import JobContext, JobKind
from parley.posts.models import Mention, PostTag
from parley.social.models import Follow
from parley.store.database import off_loop
from parley.store.sql import alias_of
from parley.tags.models import TagFollow
from parley.timelines.models import TimelineEntry


@dataclass(frozen=True)
class UnfollowedTag:
    """`owner_id` stopped following the tag `tag_id`."""

    owner_id: int
    tag_id: int


async def unmerge_tag(ctx: JobContext, payload: UnfollowedTag) -> None:
    """Remove the tag's posts from the owner's home unless something else put them there:
    the owner's own posts, followed authors, mentions of the owner, another followed tag.
    Idempotent, and a no-op if the tag was followed again before the job ran."""
    owner_id, tag_id = payload.owner_id, payload.tag_id
    session = ctx.session
    again = await session.scalar(select(TagFollow.id).where(
        TagFollow.account_id == owner_id, TagFollow.tag_id == tag_id))
    if again is not None:
        return
    other_tag = alias_of(PostTag, "tj_other_tag")
    tagged = select(PostTag.post_id).where(PostTag.tag_id == tag_id)
    follows_author = exists(select(Follow.id).where(
        Follow.account_id == owner_id, Follow.target_account_id == TimelineEntry.author_id,
        Follow.state == "accepted"))
    mentioned = exists(select(Mention.post_id).where(
        Mention.post_id == TimelineEntry.post_id, Mention.account_id == owner_id))
    other_followed = exists(
        select(other_tag.post_id)
        .join(TagFollow, TagFollow.tag_id == other_tag.tag_id)
        .where(other_tag.post_id == TimelineEntry.post_id, TagFollow.account_id == owner_id))
    with off_loop():  # the tag's posts may be many: not in the event loop's thread
        await session.execute(
            delete(TimelineEntry)
            .where(TimelineEntry.owner_id == owner_id, TimelineEntry.post_id.in_(tagged),
                   TimelineEntry.author_id != owner_id, ~follows_author, ~mentioned,
                   ~other_followed)
            .execution_options(synchronize_session=False))


UNMERGE_TAG = JobKind("unmerge_tag", UnfollowedTag, unmerge_tag)
JOBS = (UNMERGE_TAG,)
