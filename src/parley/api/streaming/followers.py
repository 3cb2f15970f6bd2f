"""The streaming hub's resolvers: which connected accounts a fan-out batch reached, and which
get a broadcast account's post in their home. timelines/reached.py answers both, on a reader
that sees the commit being published (db.fresh())."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence

from parley.store.database import Database
from parley.streaming.broker import BroadcastPost
from parley.timelines.reached import broadcast_receivers, reached_homes


def homes_resolver(db: Database) -> Callable[[int, Sequence[int]], Awaitable[Collection[int]]]:
    """The hub's HomesResolver over this process's database."""
    async def resolve(post_id: int, owners: Sequence[int]) -> Collection[int]:
        async with db.fresh() as reader:
            return await reached_homes(reader, post_id, owners)
    return resolve


def follower_resolver(db: Database
                      ) -> Callable[[BroadcastPost, Sequence[int]], Awaitable[Collection[int]]]:
    """The hub's FollowerResolver over this process's database."""
    async def resolve(post: BroadcastPost, account_ids: Sequence[int]) -> Collection[int]:
        async with db.fresh() as reader:
            return await broadcast_receivers(reader, post, account_ids)
    return resolve
