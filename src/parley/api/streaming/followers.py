"""Which connected accounts get a broadcast account's post in their home: the hub's resolver."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence

from sqlalchemy import or_, select

from parley.db import Database
from parley.lib.sql import alias_of
from parley.lists.fanout import exclusive_listers
from parley.social.models import Follow
from parley.streaming.broker import BroadcastPost


async def local_followers(db: Database, post: BroadcastPost, account_ids: Sequence[int]
                          ) -> Collection[int]:
    """Which of `account_ids` get a broadcast account's post in their home, by the fan-out's
    rules: an accepted follow (showing reposts, for a repost), for a reply to someone else a
    follow of them too, and the author in none of their exclusive lists. The hub's one
    query per broadcast event."""
    follower = Follow.account_id
    query = select(follower).where(
        Follow.target_account_id == post.author_id, Follow.state == "accepted",
        follower.in_(account_ids), ~follower.in_(exclusive_listers(post.author_id)))
    if post.repost:
        query = query.where(Follow.show_reposts.is_(True))
    if post.reply_to_account_id is not None:
        also = alias_of(Follow, "broadcast_reply_follow")  # the outer query reads follows too
        query = query.where(or_(follower == post.reply_to_account_id, follower.in_(
            select(also.account_id).where(also.target_account_id == post.reply_to_account_id,
                                          also.state == "accepted"))))
    async with db.read() as session:
        return set((await session.scalars(query)).all())


def follower_resolver(db: Database
                      ) -> Callable[[BroadcastPost, Sequence[int]], Awaitable[Collection[int]]]:
    """The hub's FollowerResolver over this process's database."""
    async def resolve(post: BroadcastPost, account_ids: Sequence[int]) -> Collection[int]:
        return await local_followers(db, post, account_ids)
    return resolve
