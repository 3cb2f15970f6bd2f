"""Timeline jobs: home fan-out of a new post (and its "status" notifications to followers who
asked for them), merging and unmerging on follow changes.

Every handler is idempotent: rows go in with INSERT ... SELECT ... ON CONFLICT DO NOTHING, so
a retried or repeated job inserts nothing twice.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Select,
    and_,
    delete,
    exists,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ColumnElement

from parley.accounts.models import Account
from parley.jobs.queue import PRIORITY_BULK, enqueue
from parley.jobs.registry import Handler, JobContext
from parley.lib.sql import alias_of, bigint, insert_ignoring
from parley.lists.fanout import fanout_to_lists, in_exclusive_list
from parley.notifications.service import notify
from parley.posts.models import Mention, Post, PostTag
from parley.posts.visibility import account_hidden, visible_to
from parley.social.models import Follow
from parley.social.predicates import follows
from parley.streaming.events import Delivered, record
from parley.tags.models import TagFollow
from parley.timelines.models import TimelineEntry

# How many of a newly followed account's posts go into the follower's home at once.
MERGE_LIMIT = 100
HOMED_VISIBILITIES = ("public", "unlisted", "private")
_COLUMNS = ["owner_id", "post_id", "author_id"]
# (owner_id, post_id, author_id) rows for timeline_entries.
Rows = Select[int, int, int]
Column = ColumnElement[Any] | QueryableAttribute[Any]




def insert_entries(session: AsyncSession, rows: Rows) -> Insert:
    """INSERT INTO timeline_entries SELECT ... that skips rows already there (every caller's
    SELECT has a WHERE, which SQLite's upsert needs)."""
    return insert_ignoring(session, TimelineEntry, _COLUMNS, rows)


async def _deliver(session: AsyncSession, rows: Rows) -> list[int]:
    """Insert home entries and return who newly got one (for the live `update` events)."""
    result = await session.execute(insert_entries(session, rows)
                                   .returning(TimelineEntry.owner_id))
    return list(result.scalars().all())




def _has_original(receiver: Column, original_id: Column | int) -> ColumnElement[bool]:
    """The receiver's home already shows the original post or another repost of it."""
    entry = alias_of(TimelineEntry, "fo_entry")
    other = alias_of(Post, "fo_repost")
    # Two one-level EXISTS, so each correlates with the outer query. A repost is always newer
    # than its original: that bounds the scan of the receiver's entries to a short range.
    has_original = exists(select(entry.post_id).where(entry.owner_id == receiver,
                                                      entry.post_id == original_id))
    has_repost = exists(
        select(other.id)
        .join(entry, and_(entry.post_id == other.id, entry.owner_id == receiver,
                          entry.post_id > original_id))
        .where(other.repost_of_id == original_id))
    return or_(has_original, has_repost)


def _receiver_rules(post: Post, receiver: Column) -> list[ColumnElement[bool]]:
    """Mastodon's home-feed rules for one post, as conditions on a receiver column."""
    rules: list[ColumnElement[bool]] = []
    replied_to = post.in_reply_to_account_id
    if replied_to is not None and replied_to != post.account_id:
        # A reply to someone else only reaches those who also follow (or are) that person.
        rules.append(or_(receiver == replied_to, follows(receiver, replied_to)))
    if post.repost_of_id is not None:
        rules.append(~_has_original(receiver, post.repost_of_id))
    # Receivers who block or mute the author (or the reposted author), or are blocked by
    # them, are skipped; home reads filter these too, this just keeps the rows out.
    rules.append(~account_hidden(receiver, post.account_id, post.domain))
    if post.repost_of_id is not None:
        original = alias_of(Post, "fo_original")
        author = select(original.account_id).where(original.id == post.repost_of_id)
        rules.append(~account_hidden(receiver, author.scalar_subquery()))
    return rules


def _follower_rows(post: Post, after: int | None, upper: int | None) -> Rows:
    receiver = Follow.account_id
    stmt = (
        select(receiver, bigint(post.id), bigint(post.account_id))
        .join(Account, Account.id == receiver)
        .where(Follow.target_account_id == post.account_id, Follow.state == "accepted",
               Account.domain.is_(None), *_receiver_rules(post, receiver),
               ~in_exclusive_list(receiver, post.account_id))
    )
    if post.repost_of_id is not None:
        stmt = stmt.where(Follow.show_reposts.is_(True))
    if after is not None:
        stmt = stmt.where(receiver > after)
    if upper is not None:
        stmt = stmt.where(receiver <= upper)
    return stmt


def _tag_follower_rows(post: Post) -> Rows:
    """Local accounts following a tag the (public, original) post carries; the home rules
    apply as for followers, and an author in one of their exclusive lists stays out."""
    receiver = TagFollow.account_id
    return (
        select(receiver, bigint(post.id), bigint(post.account_id)).distinct()
        .join(Account, Account.id == receiver)
        .where(TagFollow.tag_id.in_(select(PostTag.tag_id).where(PostTag.post_id == post.id)),
               Account.domain.is_(None), receiver != post.account_id,
               *_receiver_rules(post, receiver), ~in_exclusive_list(receiver, post.account_id))
    )


def _mentioned_follower_rows(post: Post) -> Rows:
    receiver = Mention.account_id
    return (
        select(receiver, bigint(post.id), bigint(post.account_id))
        .join(Account, Account.id == receiver)
        .where(Mention.post_id == post.id, Account.domain.is_(None),
               follows(receiver, post.account_id), *_receiver_rules(post, receiver))
    )


def _author_row(post: Post) -> Rows:
    # The author always sees their own replies; only the repost rule applies to them.
    receiver = bigint(post.account_id)
    rules = [~_has_original(receiver, post.repost_of_id)] if post.repost_of_id else []
    return select(receiver, bigint(post.id), bigint(post.account_id)).where(true(), *rules)


async def _batch_upper(session: AsyncSession, author_id: int, after: int | None,
                       size: int) -> int | None:
    """The last follower id of this batch, or None when the rest fits in one batch."""
    stmt = (select(Follow.account_id)
            .where(Follow.target_account_id == author_id, Follow.state == "accepted")
            .order_by(Follow.account_id).offset(size - 1).limit(1))
    if after is not None:
        stmt = stmt.where(Follow.account_id > after)
    upper: int | None = await session.scalar(stmt)
    return upper


def _subscribers(post: Post, after: int | None, upper: int | None) -> Select[int]:
    """Local followers of this batch who asked to hear of every post (follow `notify`)."""
    stmt = (select(Follow.account_id).join(Account, Account.id == Follow.account_id)
            .where(Follow.target_account_id == post.account_id, Follow.state == "accepted",
                   Follow.notify.is_(True), Account.domain.is_(None)))
    if after is not None:
        stmt = stmt.where(Follow.account_id > after)
    if upper is not None:
        stmt = stmt.where(Follow.account_id <= upper)
    return stmt


async def _notify_subscribers(session: AsyncSession, post: Post, after: int | None,
                              upper: int | None) -> None:
    # As Mastodon: new posts and self-replies only, never reposts or replies to others.
    replied_to = post.in_reply_to_account_id
    if post.repost_of_id is not None or replied_to not in (None, post.account_id):
        return
    for receiver in (await session.scalars(_subscribers(post, after, upper))).all():
        await notify(session, recipient_id=receiver, from_account_id=post.account_id,
                     type="status", post_id=post.id)


async def fanout_post(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Put a new post or repost into the home timelines that should show it.

    One batch of followers per job run, so each transaction stays short (SQLite has one
    writer); a larger audience continues in a follow-up job at bulk priority.
    """
    session = ctx.session
    post = await session.get(Post, int(payload["post_id"]))
    if post is None:
        return
    after: int | None = payload.get("cursor")
    delivered: list[int] = []
    if after is None:
        if post.domain is None:
            delivered += await _deliver(session, _author_row(post))
        if post.visibility == "direct":
            delivered += await _deliver(session, _mentioned_follower_rows(post))
        if post.visibility == "public" and post.repost_of_id is None:
            delivered += await _deliver(session, _tag_follower_rows(post))
    if post.visibility == "direct":
        record(session, Delivered(post.id, tuple(delivered)))
        return
    size = max(1, ctx.settings.fanout_batch_size)
    upper = await _batch_upper(session, post.account_id, after, size)
    delivered += await _deliver(session, _follower_rows(post, after, upper))
    lists = await fanout_to_lists(session, post, after, upper)
    record(session, Delivered(post.id, tuple(delivered), tuple(lists)))
    await _notify_subscribers(session, post, after, upper)
    if upper is not None:
        await enqueue(session, "fanout_post", {"post_id": post.id, "cursor": upper},
                      priority=PRIORITY_BULK)


async def _follow_accepted(session: AsyncSession, owner_id: int, target_id: int) -> bool:
    found = await session.scalar(select(Follow.id).where(
        Follow.account_id == owner_id, Follow.target_account_id == target_id,
        Follow.state == "accepted"))
    return found is not None


def _merge_rows(owner_id: int, target_id: int) -> Rows:
    owner = bigint(owner_id)
    show_reposts = exists(select(Follow.id).where(
        Follow.account_id == owner_id, Follow.target_account_id == target_id,
        Follow.show_reposts.is_(True)))
    reply_ok = or_(Post.in_reply_to_account_id.is_(None),
                   Post.in_reply_to_account_id == Post.account_id,
                   Post.in_reply_to_account_id == owner_id,
                   follows(owner, Post.in_reply_to_account_id))
    repost_ok = or_(Post.repost_of_id.is_(None),
                    and_(show_reposts, ~_has_original(owner, Post.repost_of_id)))
    return (
        select(owner, Post.id, Post.account_id)
        .where(Post.account_id == target_id, Post.visibility.in_(HOMED_VISIBILITIES),
               visible_to(owner_id), reply_ok, repost_ok)
        .order_by(Post.id.desc())
        .limit(MERGE_LIMIT)
    )


async def merge_timeline(ctx: JobContext, payload: dict[str, Any]) -> None:
    """A follow was accepted: bring the followed account's recent posts into the home."""
    owner_id, target_id = int(payload["owner_id"]), int(payload["target_id"])
    if not await _follow_accepted(ctx.session, owner_id, target_id):
        return  # unfollowed (or rejected) before the job ran
    await ctx.session.execute(insert_entries(ctx.session, _merge_rows(owner_id, target_id)))


async def unmerge_timeline(ctx: JobContext, payload: dict[str, Any]) -> None:
    """An unfollow: remove the unfollowed account's posts and reposts from the home."""
    owner_id, target_id = int(payload["owner_id"]), int(payload["target_id"])
    if owner_id == target_id or await _follow_accepted(ctx.session, owner_id, target_id):
        return  # followed again before the job ran
    await ctx.session.execute(delete(TimelineEntry).where(
        TimelineEntry.owner_id == owner_id, TimelineEntry.author_id == target_id))


HANDLERS: dict[str, Handler] = {
    "fanout_post": fanout_post,
    "merge_timeline": merge_timeline,
    "unmerge_timeline": unmerge_timeline,
}
