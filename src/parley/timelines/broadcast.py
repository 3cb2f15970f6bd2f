"""Hybrid fan-out, write side: which accounts are "broadcast" (settings.broadcast_threshold).

A broadcast account's posts are not written into its followers' homes; home reads merge its
newest posts (timelines/home.py) and live streams hear of them on the followers_of
channel. Rows are added when an account reaches the threshold and never removed by Parley:
taking an account out would need its recent posts written into every follower's home first
(a backfill as large as the fan-outs it avoids), and merging a no-longer-large account at
read time stays correct. An operator may delete a row after such a backfill.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.config import Settings
from parley.store.sql import insert_ignoring
from parley.timelines.models import BroadcastAccount


def enabled(settings: Settings) -> bool:
    """Threshold 0 turns hybrid fan-out off: every post is written into every home."""
    return settings.broadcast_threshold > 0


async def is_broadcast(session: AsyncSession, settings: Settings, account_id: int) -> bool:
    if not enabled(settings):
        return False
    found = await session.scalar(select(BroadcastAccount.account_id)
                                 .where(BroadcastAccount.account_id == account_id))
    return found is not None


async def record_over_threshold(session: AsyncSession, settings: Settings,
                                account_id: int | None = None) -> None:
    """Record accounts at or above the threshold: one account (a follow was accepted), or all
    (worker start: bulk-loaded or upgraded databases). Idempotent."""
    if not enabled(settings):
        return
    rows = (select(Account.id, func.current_timestamp())
            .where(Account.followers_count >= settings.broadcast_threshold))
    if account_id is not None:
        rows = rows.where(Account.id == account_id)
    await session.execute(insert_ignoring(session, BroadcastAccount,
                                          ["account_id", "created_at"], rows))
