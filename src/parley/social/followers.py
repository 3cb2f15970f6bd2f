"""What an account does with its followers (removing one) and sees of another's (the
followers it knows: the accounts it follows that follow them too)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from parley.accounts.models import Account
from parley.social.models import Follow
from parley.social.service import unfollow

# How many familiar followers of one account are listed (Mastodon sets no limit; this
# bounds the answer for a popular account).
FAMILIAR_LIMIT = 40


async def remove_follower(session: AsyncSession, *, actor: Account, follower: Account) -> None:
    """`follower` no longer follows `actor`: the follow ends as if they had unfollowed
    (counters, home timelines, endorsements follow from FollowEnded); idempotent."""
    await unfollow(session, actor=follower, target=actor, by_target=True)


async def familiar_followers(session: AsyncSession, *, viewer_id: int,
                             account_ids: Sequence[int]) -> dict[int, list[Account]]:
    """For each account, up to FAMILIAR_LIMIT accounts the viewer follows that follow it,
    most recently followed by the viewer first; one query for them all."""
    theirs, mine = aliased(Follow), aliased(Follow)
    rows = await session.execute(
        select(theirs.target_account_id, Account)
        .join(mine, (mine.target_account_id == theirs.account_id)
              & (mine.account_id == viewer_id) & (mine.state == "accepted"))
        .join(Account, Account.id == theirs.account_id)
        .where(theirs.target_account_id.in_(account_ids), theirs.state == "accepted",
               theirs.account_id != viewer_id)
        .order_by(theirs.target_account_id, mine.id.desc()))
    found: dict[int, list[Account]] = {account_id: [] for account_id in account_ids}
    for target_id, account in rows.all():
        if len(found[target_id]) < FAMILIAR_LIMIT:
            found[target_id].append(account)
    return found
