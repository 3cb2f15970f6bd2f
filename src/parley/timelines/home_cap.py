"""The home cap: homes keep their newest `home_cap` entries. Each delivery trims its owner's
home with probability 1/TRIM_EVERY (homes stay within about cap + TRIM_EVERY entries at about
1/TRIM_EVERY of a trim's cost per delivery); a follower batch picks its sample in SQL."""

from __future__ import annotations

import random
from collections.abc import Sequence

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.store.rawsql import Sql
from parley.store.rawwrite import writer_of
from parley.timelines.fanout_facts import FanPost
from parley.timelines.models import TimelineEntry

TRIM_EVERY = 64
# Spreads the trim sample over accounts whatever their ids' low bits (a prime modulus).
_SPREAD = 1_000_003

# About one in TRIM_EVERY of a batch's followers, a different share for each post: the homes
# the amortised cap trims (whether or not the post reached them: a trim only keeps a home's
# newest entries). Range bounds are optional (NULL: unbounded).
_TRIM_SAMPLE = Sql(f"""
    SELECT account_id FROM follows
    WHERE target_account_id = :author AND state = 'accepted'
      AND (account_id % {_SPREAD} + :shift) % {TRIM_EVERY} = 0
      AND (CAST(:after AS BIGINT) IS NULL OR account_id > :after)
      AND (CAST(:upper AS BIGINT) IS NULL OR account_id <= :upper)""")


async def trim_sample(session: AsyncSession, post: FanPost, after: int | None,
                      upper: int | None) -> list[int]:
    """The homes of this batch of followers (after, upper] that the post's delivery trims."""
    rows = await (await writer_of(session)).fetch(_TRIM_SAMPLE, {
        "author": post.account_id, "shift": post.id % _SPREAD, "after": after, "upper": upper})
    return [row[0] for row in rows]


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
