"""The streaming hub's resolvers: which connected accounts a fan-out batch reached, and which
get a broadcast account's post in their home. Both are one raw statement over the accounts
connected to this process, on a reader that sees the commit being published (db.fresh())."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence

from parley.store.database import Database
from parley.store.rawsql import Sql
from parley.streaming.broker import BroadcastPost

# A batch writes the homes of the author's followers in its range. Other homes in that range
# may hold the post too (the author's own, a tag follower's who does not follow), but those
# were written by name and published by name: matching them here would send a second update.
_REACHED = Sql("""
    SELECT t.owner_id FROM timeline_entries t
    JOIN posts p ON p.id = t.post_id
    JOIN follows f ON f.account_id = t.owner_id AND f.target_account_id = p.account_id
    WHERE t.post_id = :post AND t.owner_id IN_IDS(:owners) AND f.state = 'accepted'""")

# By the fan-out's rules: an accepted follow, the author in none of the follower's exclusive
# lists; for a repost, a follow showing reposts; for a reply to someone else, a follow of them
# too (or being them). A follower whose home holds the post (a mentioned one) was written and
# published by name, so is not matched again.
_FOLLOWERS = """
    SELECT f.account_id FROM follows f
    WHERE f.target_account_id = :author AND f.state = 'accepted' AND f.account_id IN_IDS(:ids)
      AND f.account_id NOT IN (
          SELECT l.account_id FROM lists l JOIN list_members m ON m.list_id = l.id
          WHERE m.account_id = :author AND l.exclusive)
      AND NOT EXISTS (
          SELECT 1 FROM timeline_entries t WHERE t.owner_id = f.account_id AND t.post_id = :post)"""
_SHOWING_REPOSTS = " AND f.show_reposts"
_FOLLOWING_REPLIED = """
      AND (f.account_id = :replied OR f.account_id IN (
          SELECT r.account_id FROM follows r
          WHERE r.target_account_id = :replied AND r.state = 'accepted'))"""
_FOLLOWER_QUERIES = {
    (repost, reply): Sql(_FOLLOWERS + (_SHOWING_REPOSTS if repost else "")
                         + (_FOLLOWING_REPLIED if reply else ""))
    for repost in (False, True) for reply in (False, True)}


async def reached_homes(db: Database, post_id: int, owners: Sequence[int]) -> list[int]:
    """Those of `owners` who follow the post's author and whose home holds it (primary-key
    probes): the receivers of its fan-out batches."""
    async with db.fresh() as reader:
        rows = await reader.fetch(_REACHED, {"post": post_id, "owners": list(owners)})
    return [row[0] for row in rows]


async def local_followers(db: Database, post: BroadcastPost, account_ids: Sequence[int]
                          ) -> Collection[int]:
    """Which of `account_ids` get a broadcast account's post in their home."""
    replied = post.reply_to_account_id
    query = _FOLLOWER_QUERIES[(post.repost, replied is not None)]
    params = {"author": post.author_id, "ids": list(account_ids), "post": post.post_id}
    if replied is not None:
        params["replied"] = replied
    async with db.fresh() as reader:
        return {row[0] for row in await reader.fetch(query, params)}


def homes_resolver(db: Database) -> Callable[[int, Sequence[int]], Awaitable[Collection[int]]]:
    """The hub's HomesResolver over this process's database."""
    async def resolve(post_id: int, owners: Sequence[int]) -> Collection[int]:
        return await reached_homes(db, post_id, owners)
    return resolve


def follower_resolver(db: Database
                      ) -> Callable[[BroadcastPost, Sequence[int]], Awaitable[Collection[int]]]:
    """The hub's FollowerResolver over this process's database."""
    async def resolve(post: BroadcastPost, account_ids: Sequence[int]) -> Collection[int]:
        return await local_followers(db, post, account_ids)
    return resolve
