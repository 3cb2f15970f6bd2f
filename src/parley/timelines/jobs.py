"""Timeline jobs: home fan-out of a new post (and its "status" notifications to followers who
asked for them), merging and unmerging on follow changes, and the home cap.

Every handler is idempotent: rows go in with INSERT ... SELECT ... ON CONFLICT DO NOTHING, so
a retried or repeated job inserts nothing twice.

A post's fan-out is one job at interactive priority (the author, mentions, tag followers, and
every follower when they fit in one batch). A larger audience is cut into follower-id ranges
up front and each range is its own job at bulk priority, so several workers run them side by
side and a small account's post never waits behind them. Posts of broadcast accounts
(timelines/broadcast.py) are not written into followers' homes at all: home reads merge them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Select,
    and_,
    bindparam,
    delete,
    exists,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ColumnElement

from parley.accounts.models import Account
from parley.jobs.queue import PRIORITY_BULK, enqueue
from parley.jobs.registry import Handler, JobContext
from parley.lib.rawsql import Sql
from parley.lib.rawwrite import writer_of
from parley.lib.sql import alias_of, bigint, insert_ignoring
from parley.lib.sqlite_inloop import off_loop
from parley.lib.timefmt import utcnow
from parley.lists.fanout import exclusive_listers, fanout_to_lists
from parley.notifications.service import notify
from parley.posts.models import Mention, Post, PostTag
from parley.posts.visibility import visible_to
from parley.social.models import Block, DomainBlock, Follow, Mute
from parley.social.predicates import follows
from parley.streaming.events import BroadcastDelivered, Delivered, record
from parley.tags.models import TagFollow
from parley.timelines import broadcast
from parley.timelines.fanout_facts import Fanout, FanPost, load_fanout
from parley.timelines.models import TimelineEntry

# How many of a newly followed account's posts go into the follower's home at once.
MERGE_LIMIT = 100
# Each delivery trims its owner's home to the cap with probability 1/TRIM_EVERY: homes stay
# within about cap + TRIM_EVERY entries at ~1/TRIM_EVERY of a trim's cost per delivery.
TRIM_EVERY = 64
HOMED_VISIBILITIES = ("public", "unlisted", "private")
_COLUMNS = ["owner_id", "post_id", "author_id"]
# Spreads the trim sample over accounts whatever their ids' low bits (a prime modulus).
_SPREAD = 1_000_003
# (owner_id, post_id, author_id) rows for timeline_entries.
Rows = Select[int, int, int]
Column = ColumnElement[Any] | QueryableAttribute[Any]


def insert_entries(session: AsyncSession, rows: Rows) -> Insert:
    """INSERT INTO timeline_entries SELECT ... that skips rows already there (every caller's
    SELECT has a WHERE, which SQLite's upsert needs)."""
    return insert_ignoring(session, TimelineEntry, _COLUMNS, rows)


async def _deliver(session: AsyncSession, rows: Rows) -> list[int]:
    """Insert home entries and return who newly got one (for the live `update` events): for
    the few receivers besides followers (followers' batches return nobody: see Delivered)."""
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


def _hidden_from(account_id: int, domain: str | None) -> list[Select[Any]]:
    """Accounts that block `account_id`, that it blocks, that mute it now or that block its
    domain: posts by it skip their homes (home reads filter these again, as they may change
    after delivery)."""
    parts: list[Select[Any]] = [
        select(Block.account_id).where(Block.target_account_id == account_id),
        select(Block.target_account_id).where(Block.account_id == account_id),
        select(Mute.account_id).where(Mute.target_account_id == account_id,
                                      or_(Mute.expires_at.is_(None), Mute.expires_at > utcnow())),
    ]
    if domain is not None:
        parts.append(select(DomainBlock.account_id).where(DomainBlock.domain == domain))
    return parts


def _skipped(fan: Fanout, *, exclusive: bool, remote: bool) -> CompoundSelect:
    """Every receiver the post must skip, as one uncorrelated set: the database builds it once
    per statement and anti-joins it (a handful of index lookups) instead of evaluating four or
    five correlated NOT EXISTS for every follower. With `remote`, remote accounts too (a
    partial index of them; cheaper than reading every follower's account row while they are
    few — with federation at scale a local flag on follows would serve better)."""
    post = fan.post
    parts = _hidden_from(post.account_id, post.domain)
    if fan.original_author is not None:
        parts += _hidden_from(fan.original_author, fan.original_domain)
    if exclusive:
        parts.append(exclusive_listers(post.account_id))
    if remote:
        parts.append(select(Account.id).where(Account.domain.is_not(None)))
    return union_all(*parts)


def _receiver_rules(fan: Fanout, receiver: Column, *, exclusive: bool = True,
                    remote: bool = False) -> list[ColumnElement[bool]]:
    """Mastodon's home-feed rules for one post, as conditions on a receiver column;
    `exclusive`: an author in one of the receiver's exclusive lists skips their home;
    `remote`: remote receivers are skipped here (callers that join accounts check it there)."""
    post = fan.post
    skipped = _skipped(fan, exclusive=exclusive, remote=remote)
    rules: list[ColumnElement[bool]] = [receiver.not_in(skipped)]
    replied_to = post.in_reply_to_account_id
    if replied_to is not None and replied_to != post.account_id:
        # A reply to someone else only reaches those who also follow (or are) that person.
        rules.append(or_(receiver == replied_to, follows(receiver, replied_to)))
    if post.repost_of_id is not None:
        rules.append(~_has_original(receiver, post.repost_of_id))
    return rules


def _follower_rows(fan: Fanout, after: int | None, upper: int | None) -> Rows:
    post, receiver = fan.post, Follow.account_id
    stmt = (
        select(receiver, bigint(post.id), bigint(post.account_id))
        .where(Follow.target_account_id == post.account_id, Follow.state == "accepted",
               *_receiver_rules(fan, receiver, remote=True))
    )
    if post.repost_of_id is not None:
        stmt = stmt.where(Follow.show_reposts.is_(True))
    return _in_range(stmt, receiver, after, upper)


def _in_range(stmt: Any, column: Column, after: int | None, upper: int | None) -> Any:
    """One batch: followers with after < id <= upper (None: unbounded)."""
    if after is not None:
        stmt = stmt.where(column > after)
    if upper is not None:
        stmt = stmt.where(column <= upper)
    return stmt


def _tag_follower_rows(fan: Fanout) -> Rows:
    """Local accounts following a tag the (public, original) post carries; the home rules
    apply as for followers, and an author in one of their exclusive lists stays out."""
    post, receiver = fan.post, TagFollow.account_id
    return (
        select(receiver, bigint(post.id), bigint(post.account_id)).distinct()
        .join(Account, Account.id == receiver)
        .where(TagFollow.tag_id.in_(select(PostTag.tag_id).where(PostTag.post_id == post.id)),
               Account.domain.is_(None), receiver != post.account_id,
               # Followers get it from their batch under the same rules; leaving them out
               # here keeps each home's one live `update` (batches report ranges, not ids).
               ~follows(receiver, post.account_id),
               *_receiver_rules(fan, receiver))
    )


def _mentioned_follower_rows(fan: Fanout, *, exclusive: bool) -> Rows:
    """Mentioned local followers: a direct post's audience (exclusive lists do not hold those
    back), or a broadcast post's mentions, which must reach a home as any follower's would."""
    post, receiver = fan.post, Mention.account_id
    return (
        select(receiver, bigint(post.id), bigint(post.account_id))
        .join(Account, Account.id == receiver)
        .where(Mention.post_id == post.id, Account.domain.is_(None),
               follows(receiver, post.account_id),
               *_receiver_rules(fan, receiver, exclusive=exclusive))
    )


def _author_row(post: FanPost) -> Rows:
    # The author always sees their own replies; only the repost rule applies to them.
    receiver = bigint(post.account_id)
    rules = [~_has_original(receiver, post.repost_of_id)] if post.repost_of_id else []
    return select(receiver, bigint(post.id), bigint(post.account_id)).where(true(), *rules)


# Every size-th follower id, in one index scan: the upper ends of all batches but the last
# (none when every follower fits in one batch).
_BATCH_BOUNDS = Sql("""
    SELECT account_id FROM (
        SELECT account_id, row_number() OVER (ORDER BY account_id) AS n FROM follows
        WHERE target_account_id = :author AND state = 'accepted') AS numbered
    WHERE n % :size = 0 ORDER BY account_id""")


async def _batch_bounds(session: AsyncSession, author_id: int, size: int) -> list[int]:
    writer = await writer_of(session)
    with off_loop():  # a scan of every follower: ~20 ms for 100,000
        rows = await writer.fetch(_BATCH_BOUNDS, {"author": author_id, "size": size})
    return [row[0] for row in rows]


# About one in TRIM_EVERY of a batch's followers, a different share for each post: the homes
# the amortised cap trims (whether or not the post reached them: a trim only keeps a home's
# newest entries). Range bounds are optional (NULL: unbounded).
_TRIM_SAMPLE = Sql(f"""
    SELECT account_id FROM follows
    WHERE target_account_id = :author AND state = 'accepted'
      AND (account_id % {_SPREAD} + :shift) % {TRIM_EVERY} = 0
      AND (CAST(:after AS BIGINT) IS NULL OR account_id > :after)
      AND (CAST(:upper AS BIGINT) IS NULL OR account_id <= :upper)""")


def _range_params(post: FanPost, after: int | None, upper: int | None) -> dict[str, Any]:
    return {"author": post.account_id, "shift": post.id % _SPREAD, "after": after,
            "upper": upper}


def _subscribers(post: FanPost, after: int | None, upper: int | None) -> Select[int]:
    """Local followers of this batch who asked to hear of every post (follow `notify`)."""
    stmt = (select(Follow.account_id).join(Account, Account.id == Follow.account_id)
            .where(Follow.target_account_id == post.account_id, Follow.state == "accepted",
                   Follow.notify.is_(True), Account.domain.is_(None)))
    result: Select[int] = _in_range(stmt, Follow.account_id, after, upper)
    return result


async def _notify_subscribers(session: AsyncSession, post: FanPost, after: int | None,
                              upper: int | None) -> None:
    # As Mastodon: new posts and self-replies only, never reposts or replies to others.
    replied_to = post.in_reply_to_account_id
    if post.repost_of_id is not None or replied_to not in (None, post.account_id):
        return
    for receiver in (await session.scalars(_subscribers(post, after, upper))).all():
        await notify(session, recipient_id=receiver, from_account_id=post.account_id,
                     type="status", post_id=post.id)


_NEWEST_KEPT = (select(TimelineEntry.post_id)
                .where(TimelineEntry.owner_id == bindparam("owner"))
                .order_by(TimelineEntry.post_id.desc())
                .offset(bindparam("cap")).limit(1).scalar_subquery())
_TRIM = delete(TimelineEntry.__table__).where(  # type: ignore[arg-type]
    TimelineEntry.owner_id == bindparam("owner"), TimelineEntry.post_id <= _NEWEST_KEPT)


async def trim_homes(session: AsyncSession, owners: Sequence[int], cap: int, *,
                     sample: bool = True) -> int:
    """Drop entries beyond the newest `cap` of these homes (with `sample`, of about one in
    TRIM_EVERY of them: the amortised cap); returns how many homes were trimmed."""
    if cap <= 0:
        return 0
    chosen = [o for o in owners if random.random() * TRIM_EVERY < 1] if sample else list(owners)
    if chosen:
        connection = await session.connection()
        await connection.execute(_TRIM, [{"owner": owner, "cap": cap} for owner in chosen])
    return len(chosen)


async def _first_rows(session: AsyncSession, fan: Fanout, *, broadcast_post: bool
                      ) -> list[int]:
    """The author, and those a post reaches besides its author's followers."""
    post = fan.post
    delivered: list[int] = []
    if post.domain is None:
        delivered += await _deliver_to_author(session, post)
    if post.visibility == "direct":
        delivered += await _deliver(session, _mentioned_follower_rows(fan, exclusive=False))
    elif broadcast_post:
        delivered += await _deliver(session, _mentioned_follower_rows(fan, exclusive=True))
    if post.visibility == "public" and post.repost_of_id is None and fan.has_tags:
        delivered += await _deliver(session, _tag_follower_rows(fan))
    return delivered


_AUTHOR_ENTRY = Sql("""
    INSERT INTO timeline_entries (owner_id, post_id, author_id)
    VALUES (:author, :post, :author)
    ON CONFLICT DO NOTHING RETURNING owner_id""")


async def _deliver_to_author(session: AsyncSession, post: FanPost) -> list[int]:
    """The author's own home (a repost only when the home does not show the original yet)."""
    if post.repost_of_id is not None:
        return await _deliver(session, _author_row(post))
    rows = await (await writer_of(session)).fetch(
        _AUTHOR_ENTRY, {"author": post.account_id, "post": post.id})
    return [row[0] for row in rows]


async def _batch(session: AsyncSession, fan: Fanout, after: int | None, upper: int | None,
                 cap: int) -> list[int]:
    """One range of followers: their homes (trimmed now and then), their lists, their
    `notify` notifications; returns the lists. Every statement reads or writes up to a
    batch of rows (thousands): on SQLite, not in the event loop's thread."""
    with off_loop():
        await session.execute(insert_entries(session, _follower_rows(fan, after, upper)))
        if cap > 0:
            sample = await (await writer_of(session)).fetch(
                _TRIM_SAMPLE, _range_params(fan.post, after, upper))
            await trim_homes(session, [row[0] for row in sample], cap, sample=False)
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
        record(session, Delivered(post.id, tuple(delivered)))
        await trim_homes(session, delivered, cap)
        return
    if is_broadcast:
        # Home reads merge the post; lists, mentions, tags and `notify` still get theirs.
        lists = await fanout_to_lists(session, post, after, None) if fan.listed else []
        if fan.notified:
            await _notify_subscribers(session, post, after, None)
        record(session, Delivered(post.id, tuple(delivered), tuple(lists)))
        record(session, BroadcastDelivered(post.id, post.account_id))
        await trim_homes(session, delivered, cap)
        return
    size = max(1, ctx.settings.fanout_batch_size)
    bounds = [b for b in await _batch_bounds(session, post.account_id, size)
              if after is None or b > after]
    if not bounds:  # one batch: done here, at the priority the post was queued with
        lists = await _batch(session, fan, after, None, cap)
        record(session, Delivered(post.id, tuple(delivered), tuple(lists), (after, None)))
    else:
        record(session, Delivered(post.id, tuple(delivered)))
        for lower, upper in zip([after, *bounds], [*bounds, None], strict=True):
            await enqueue(session, "fanout_post",
                          {"post_id": post.id, "batch": True, "after": lower, "upper": upper},
                          priority=PRIORITY_BULK)
    await trim_homes(session, delivered, cap)


async def fanout_post(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Put a new post or repost into the home timelines (and lists) that should show it.

    Without "batch" the job plans (see the module docstring); with it, it delivers one range
    of followers (after, upper]. A "cursor" payload (queued before batches ran in parallel)
    plans the rest of the followers after it.
    """
    session = ctx.session
    fan = await load_fanout(session, ctx.settings, int(payload["post_id"]))
    if fan is None:
        return
    if not payload.get("batch"):
        cursor: int | None = payload.get("cursor")
        await _plan(ctx, fan, first=cursor is None, after=cursor)
        return
    after, upper = payload.get("after"), payload.get("upper")
    lists = await _batch(session, fan, after, upper, ctx.settings.home_cap)
    record(session, Delivered(fan.post.id, (), tuple(lists), (after, upper)))


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
    """A follow was accepted: bring the followed account's recent posts into the home (not a
    broadcast account's: home reads merge those), and record the followed account as
    broadcast when this follow took it to the threshold."""
    session, settings = ctx.session, ctx.settings
    owner_id, target_id = int(payload["owner_id"]), int(payload["target_id"])
    if not await _follow_accepted(session, owner_id, target_id):
        return  # unfollowed (or rejected) before the job ran
    await broadcast.record_over_threshold(session, settings, target_id)
    if await broadcast.is_broadcast(session, settings, target_id):
        return
    await session.execute(insert_entries(session, _merge_rows(owner_id, target_id)))
    await trim_homes(session, [owner_id], settings.home_cap, sample=False)


async def unmerge_timeline(ctx: JobContext, payload: dict[str, Any]) -> None:
    """An unfollow: remove the unfollowed account's posts and reposts from the home (a scan
    of the owner's capped range: there is no author index to keep up on every delivery)."""
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
