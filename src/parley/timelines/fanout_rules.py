"""The home-feed rules of one post as SQL: which receivers (followers, tag followers,
mentioned followers, the author) a fan-out inserts into `timeline_entries`, with the per-post
exclusion set (blocks both ways, mutes, domain blocks, exclusive lists, remote accounts), the
reply rule and the repost rule. Used by the fan-out job (timelines/jobs.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CompoundSelect, Select, or_, select, true, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ColumnElement

from parley.accounts.models import Account
from parley.lib.timefmt import utcnow
from parley.lists.fanout import exclusive_listers
from parley.posts.models import Mention, PostTag
from parley.social.models import Block, DomainBlock, Follow, Mute
from parley.social.predicates import follows
from parley.store.sql import bigint, insert_ignoring
from parley.tags.models import TagFollow
from parley.timelines.fanout_facts import Fanout, FanPost
from parley.timelines.models import TimelineEntry
from parley.timelines.shown import shows_post_or_repost

_COLUMNS = ["owner_id", "post_id", "author_id"]
# (owner_id, post_id, author_id) rows for timeline_entries.
Rows = Select[int, int, int]
Column = ColumnElement[Any] | QueryableAttribute[Any]


def insert_entries(session: AsyncSession, rows: Rows) -> Insert:
    """INSERT INTO timeline_entries SELECT ... that skips rows already there (every caller's
    SELECT has a WHERE, which SQLite's upsert needs)."""
    return insert_ignoring(session, TimelineEntry, _COLUMNS, rows)


async def deliver(session: AsyncSession, rows: Rows) -> list[int]:
    """Insert home entries and return who newly got one (for the live `update` events): for
    the few receivers besides followers (followers' batches return nobody: see Delivered)."""
    result = await session.execute(insert_entries(session, rows)
                                   .returning(TimelineEntry.owner_id))
    return list(result.scalars().all())


def has_original(receiver: Column, original_id: Column | int) -> ColumnElement[bool]:
    """The receiver's home already shows the original post or another repost of it."""
    return shows_post_or_repost(TimelineEntry, "owner_id", receiver, original_id)


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


def receiver_rules(fan: Fanout, receiver: Column, *, exclusive: bool = True,
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
        rules.append(~has_original(receiver, post.repost_of_id))
    return rules


def follower_rows(fan: Fanout, after: int | None, upper: int | None) -> Rows:
    post, receiver = fan.post, Follow.account_id
    stmt = (
        select(receiver, bigint(post.id), bigint(post.account_id))
        .where(Follow.target_account_id == post.account_id, Follow.state == "accepted",
               *receiver_rules(fan, receiver, remote=True))
    )
    if post.repost_of_id is not None:
        stmt = stmt.where(Follow.show_reposts.is_(True))
    return in_range(stmt, receiver, after, upper)


def in_range(stmt: Any, column: Column, after: int | None, upper: int | None) -> Any:
    """One batch: followers with after < id <= upper (None: unbounded)."""
    if after is not None:
        stmt = stmt.where(column > after)
    if upper is not None:
        stmt = stmt.where(column <= upper)
    return stmt


def tag_follower_rows(fan: Fanout) -> Rows:
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
               *receiver_rules(fan, receiver))
    )


def mentioned_follower_rows(fan: Fanout, *, exclusive: bool) -> Rows:
    """Mentioned local followers: a direct post's audience (exclusive lists do not hold those
    back), or a broadcast post's mentions, which must reach a home as any follower's would."""
    post, receiver = fan.post, Mention.account_id
    return (
        select(receiver, bigint(post.id), bigint(post.account_id))
        .join(Account, Account.id == receiver)
        .where(Mention.post_id == post.id, Account.domain.is_(None),
               follows(receiver, post.account_id),
               *receiver_rules(fan, receiver, exclusive=exclusive))
    )


def author_row(post: FanPost) -> Rows:
    # The author always sees their own replies; only the repost rule applies to them.
    receiver = bigint(post.account_id)
    rules = [~has_original(receiver, post.repost_of_id)] if post.repost_of_id else []
    return select(receiver, bigint(post.id), bigint(post.account_id)).where(true(), *rules)
