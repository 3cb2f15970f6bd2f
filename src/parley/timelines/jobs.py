"""Timeline jobs: home fan-out of a new post (and its "post" notifications to followers who
asked for them), merging and unmerging on follow changes. The rules are in
timelines/fanout_rules.py, the home cap in timelines/home_cap.py.

Every handler is idempotent: rows go in with INSERT ... SELECT ... ON CONFLICT DO NOTHING, so
a retried or repeated job inserts nothing twice.

A post's fan-out is one job at interactive priority (the author, mentions, tag followers, and
every follower when they fit in one batch); a post that a job stores (another server's), with
a small audience, is fanned out in that job's transaction instead (fan_out_here). A larger
audience is cut into follower-id ranges up front and each range is its own job at bulk
priority, so several workers run them side by side and a small account's post never waits
behind them. Posts of broadcast accounts (timelines/broadcast.py) are not written into
followers' homes at all: home reads merge them.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass

from sqlalchemy import (
    Select,
    delete,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.config import Settings
from parley.events import record
from parley.events.live import BroadcastDelivered, Delivered
from parley.jobs.queue import PRIORITY_BULK, enqueue
from parley.jobs.registry import JobContext, JobKind
from parley.lists.fanout import fanout_to_lists
from parley.notifications.service import notify
from parley.social.models import Follow
from parley.store.database import off_loop
from parley.store.rawsql import Sql
from parley.store.rawwrite import writer_of
from parley.timelines import broadcast
from parley.timelines.fanout_facts import Fanout, FanPost, load_fanout
from parley.timelines.fanout_rules import (
    author_row,
    deliver,
    follower_batch,
    in_range,
    insert_entries,
    mentioned_follower_rows,
    merge_rows,
    tag_follower_rows,
)
from parley.timelines.home_cap import trim_homes, trim_sample
from parley.timelines.models import TimelineEntry

# How many of a newly followed account's posts go into the follower's home at once.
MERGE_LIMIT = 100
# Every size-th follower id, in one index scan: the upper ends of all batches but the last
# (none when every follower fits in one batch).
_BATCH_BOUNDS = Sql("""
    SELECT account_id FROM (
        SELECT account_id, row_number() OVER (ORDER BY account_id) AS n FROM follows
        WHERE target_account_id = :author AND state = 'accepted') AS numbered
    WHERE n % :size = 0 ORDER BY account_id""")


_ANY_FOLLOWER_AFTER = Sql("""
    SELECT 1 FROM follows WHERE target_account_id = :author AND state = 'accepted'
    AND account_id > :after LIMIT 1""")


async def _batch_bounds(session: AsyncSession, author_id: int, size: int) -> list[int]:
    writer = await writer_of(session)
    with off_loop():  # a scan of every follower: ~20 ms for 100,000
        bounds = [row[0] for row in
                  await writer.fetch(_BATCH_BOUNDS, {"author": author_id, "size": size})]
    # With exactly k * size followers the last bound is the last follower: no batch after it.
    if bounds and not await writer.fetch(_ANY_FOLLOWER_AFTER,
                                         {"author": author_id, "after": bounds[-1]}):
        bounds.pop()
    return bounds


def _subscribers(post: FanPost, after: int | None, upper: int | None) -> Select[int]:
    """Local followers of this batch who asked to hear of every post (follow `notify`)."""
    stmt = (select(Follow.account_id).join(Account, Account.id == Follow.account_id)
            .where(Follow.target_account_id == post.account_id, Follow.state == "accepted",
                   Follow.notify.is_(True), Account.domain.is_(None)))
    result: Select[int] = in_range(stmt, Follow.account_id, after, upper)
    return result


async def _notify_subscribers(session: AsyncSession, post: FanPost, after: int | None,
                              upper: int | None) -> None:
    # As Mastodon: new posts and self-replies only, never reposts or replies to others.
    replied_to = post.in_reply_to_account_id
    if post.repost_of_id is not None or replied_to not in (None, post.account_id):
        return
    for receiver in (await session.scalars(_subscribers(post, after, upper))).all():
        await notify(session, recipient_id=receiver, from_account_id=post.account_id,
                     type="post", post_id=post.id)


async def _first_rows(session: AsyncSession, fan: Fanout, *, broadcast_post: bool
                      ) -> list[int]:
    """The author, and those a post reaches besides its author's followers."""
    post = fan.post
    delivered: list[int] = []
    if post.domain is None:
        delivered += await _deliver_to_author(session, post)
    if post.visibility == "direct":
        delivered += await deliver(session, mentioned_follower_rows(fan, exclusive=False))
    elif broadcast_post:
        delivered += await deliver(session, mentioned_follower_rows(fan, exclusive=True))
    if post.visibility == "public" and post.repost_of_id is None and fan.has_tags:
        delivered += await deliver(session, tag_follower_rows(fan))
    return delivered


_AUTHOR_ENTRY = Sql("""
    INSERT INTO timeline_entries (owner_id, post_id, author_id)
    VALUES (:author, :post, :author)
    ON CONFLICT DO NOTHING RETURNING owner_id""")


async def _deliver_to_author(session: AsyncSession, post: FanPost) -> list[int]:
    """The author's own home (a repost only when the home does not show the original yet)."""
    if post.repost_of_id is not None:
        return await deliver(session, author_row(post))
    rows = await (await writer_of(session)).fetch(
        _AUTHOR_ENTRY, {"author": post.account_id, "post": post.id})
    return [row[0] for row in rows]


async def _batch(session: AsyncSession, fan: Fanout, after: int | None, upper: int | None,
                 cap: int) -> list[int]:
    """One range of followers: their homes (trimmed now and then), their lists, their
    `notify` notifications; returns the lists. Every statement reads or writes up to a
    batch of rows (thousands): on SQLite, not in the event loop's thread, unless they are
    few."""
    with nullcontext() if fan.small else off_loop():
        # On the connection: Core's execution with parameters (the ORM's would take them
        # for rows to insert).
        await (await session.connection()).execute(*follower_batch(session, fan, after, upper))
        if cap > 0:
            sample = await trim_sample(session, fan.post, after, upper)
            await trim_homes(session, sample, cap, sample=False)
        lists = await fanout_to_lists(session, fan.post, after, upper) if fan.listed else []
        if fan.notified:
            await _notify_subscribers(session, fan.post, after, upper)
    return lists


async def _plan(ctx: JobContext, fan: Fanout, *, first: bool, after: int | None) -> None:
    session, post = ctx.session, fan.post
    cap = ctx.settings.home_cap
    is_broadcast = post.visibility != "direct" and fan.broadcast
    delivered = await _first_rows(session, fan, broadcast_post=is_broadcast) if first else []
    if post.visibility == "direct":
        await record(session, Delivered(post.id, tuple(delivered)))
        await trim_homes(session, delivered, cap)
        return
    if is_broadcast:
        # Home reads merge the post; lists, mentions, tags and `notify` still get theirs.
        lists = await fanout_to_lists(session, post, after, None) if fan.listed else []
        if fan.notified:
            await _notify_subscribers(session, post, after, None)
        await record(session, Delivered(post.id, tuple(delivered), tuple(lists)))
        await record(session, BroadcastDelivered(post.id, post.account_id))
        await trim_homes(session, delivered, cap)
        return
    size = max(1, ctx.settings.fanout_batch_size)
    # Followers that fit in one batch need no scan of them to cut batches.
    bounds = [] if fan.followers <= size else [
        b for b in await _batch_bounds(session, post.account_id, size)
        if after is None or b > after]
    if not bounds:  # one batch: done here, at the priority the post was queued with
        lists = await _batch(session, fan, after, None, cap)
        await record(session, Delivered(post.id, tuple(delivered), tuple(lists), (after, None)))
    else:
        await record(session, Delivered(post.id, tuple(delivered)))
        for lower, upper in zip([after, *bounds], [*bounds, None], strict=True):
            await enqueue(session, FANOUT_POST,
                          FanoutPost(post.id, batch=True, after=lower, upper=upper),
                          priority=PRIORITY_BULK)
    await trim_homes(session, delivered, cap)


@dataclass(frozen=True)
class FanoutPost:
    """A post's fan-out: without `batch` it plans (from `cursor`, a payload queued before
    batches ran in parallel); with it, it delivers the followers in (after, upper]."""

    post_id: int
    batch: bool = False
    after: int | None = None
    upper: int | None = None
    cursor: int | None = None


@dataclass(frozen=True)
class FollowChange:
    """`owner_id` began or stopped following `target_id`: their home catches up."""

    owner_id: int
    target_id: int


async def fanout_post(ctx: JobContext, payload: FanoutPost) -> None:
    """Put a new post or repost into the home timelines (and lists) that should show it.

    Without "batch" the job plans (see the module docstring); with it, it delivers one range
    of followers (after, upper]. A "cursor" payload (queued before batches ran in parallel)
    plans the rest of the followers after it.
    """
    session = ctx.session
    fan = await load_fanout(session, ctx.settings, payload.post_id)
    if fan is None:
        return
    if not payload.batch:
        await _plan(ctx, fan, first=payload.cursor is None, after=payload.cursor)
        return
    after, upper = payload.after, payload.upper
    lists = await _batch(session, fan, after, upper, ctx.settings.home_cap)
    await record(session, Delivered(fan.post.id, (), tuple(lists), (after, upper)))


# session.info key: the Settings of a transaction that fans out the posts it stores itself.
_HERE = "parley.fanout_here"


def fan_out_here(session: AsyncSession, settings: Settings) -> None:
    """Have the posts (and reposts) this transaction stores fanned out in it when their
    audience is small (Fanout.small) rather than by a job of their own: for posts from other
    servers, stored by a job already (or a search resolving one), where a fan-out job's own
    claim and transaction would cost more than its few rows."""
    session.info[_HERE] = settings


async def fanned_out_here(session: AsyncSession, post_id: int) -> bool:
    """The fan-out of a post just stored, done now if its transaction asked (fan_out_here)
    and its audience is small; False when a job is to do it."""
    settings = session.info.get(_HERE)
    if settings is None:
        return False
    fan = await load_fanout(session, settings, post_id)
    if fan is None or not fan.small:
        return False
    await _plan(JobContext(session, settings), fan, first=True, after=None)
    return True


async def _follow_accepted(session: AsyncSession, owner_id: int, target_id: int) -> bool:
    found = await session.scalar(select(Follow.id).where(
        Follow.account_id == owner_id, Follow.target_account_id == target_id,
        Follow.state == "accepted"))
    return found is not None


async def merge_timeline(ctx: JobContext, payload: FollowChange) -> None:
    """A follow was accepted: bring the followed account's recent posts into the home (not a
    broadcast account's: home reads merge those), and record the followed account as
    broadcast when this follow took it to the threshold."""
    session, settings = ctx.session, ctx.settings
    owner_id, target_id = payload.owner_id, payload.target_id
    if not await _follow_accepted(session, owner_id, target_id):
        return  # unfollowed (or rejected) before the job ran
    if await session.scalar(select(Account.domain).where(Account.id == owner_id)) is not None:
        return  # a remote follower has no home here (its own server keeps it)
    await broadcast.record_over_threshold(session, settings, target_id)
    if await broadcast.is_broadcast(session, settings, target_id):
        return
    await session.execute(insert_entries(session, merge_rows(owner_id, target_id, MERGE_LIMIT)))
    await trim_homes(session, [owner_id], settings.home_cap, sample=False)


async def unmerge_timeline(ctx: JobContext, payload: FollowChange) -> None:
    """An unfollow: remove the unfollowed account's posts and reposts from the home (a scan
    of the owner's capped range: there is no author index to keep up on every delivery)."""
    owner_id, target_id = payload.owner_id, payload.target_id
    if owner_id == target_id or await _follow_accepted(ctx.session, owner_id, target_id):
        return  # followed again before the job ran
    await ctx.session.execute(delete(TimelineEntry).where(
        TimelineEntry.owner_id == owner_id, TimelineEntry.author_id == target_id))


FANOUT_POST = JobKind("fanout_post", FanoutPost, fanout_post)
MERGE_TIMELINE = JobKind("merge_timeline", FollowChange, merge_timeline)
UNMERGE_TIMELINE = JobKind("unmerge_timeline", FollowChange, unmerge_timeline)
JOBS = (FANOUT_POST, MERGE_TIMELINE, UNMERGE_TIMELINE)
