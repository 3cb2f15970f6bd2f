"""Who excludes whom: block, mute and domain-block checks for one pair, and their state in
relationships. (The same rules as SQL clauses for lists live in posts/visibility.py.)"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.lib.timefmt import utcnow
from parley.social.models import Block, DomainBlock, Mute


class ExclusionState(Protocol):
    """The block and mute half of a relationship (social.service.Relationship has it)."""

    blocking: bool
    blocked_by: bool
    muting: bool
    muting_notifications: bool
    domain_blocking: bool


async def blocked_either(session: AsyncSession, first: int, second: int) -> bool:
    """One of the two accounts blocks the other."""
    found = await session.scalar(select(Block.id).where(or_(
        and_(Block.account_id == first, Block.target_account_id == second),
        and_(Block.account_id == second, Block.target_account_id == first))).limit(1))
    return found is not None


async def fill_exclusions(session: AsyncSession, viewer_id: int,
                          states: Mapping[int, ExclusionState]) -> None:
    """Set the block, mute and domain-block flags of the viewer's relationship with each
    account in `states`: three queries whatever the number of accounts."""
    wanted: Sequence[int] = list(states)
    if not wanted:
        return
    blocks = await session.execute(select(Block.account_id, Block.target_account_id).where(or_(
        and_(Block.account_id == viewer_id, Block.target_account_id.in_(wanted)),
        and_(Block.target_account_id == viewer_id, Block.account_id.in_(wanted)))))
    for blocker, blocked in blocks.tuples():
        if blocker == viewer_id and blocked in states:
            states[blocked].blocking = True
        if blocked == viewer_id and blocker in states:
            states[blocker].blocked_by = True
    mutes = await session.execute(select(Mute.target_account_id, Mute.notifications).where(
        Mute.account_id == viewer_id, Mute.target_account_id.in_(wanted),
        or_(Mute.expires_at.is_(None), Mute.expires_at > utcnow())))
    for target, notifications in mutes.tuples():
        states[target].muting = True
        states[target].muting_notifications = bool(notifications)
    domain_blocked = await session.scalars(
        select(Account.id).join(DomainBlock, DomainBlock.domain == Account.domain)
        .where(DomainBlock.account_id == viewer_id, Account.id.in_(wanted)))
    for account_id in domain_blocked:
        states[account_id].domain_blocking = True


@dataclass(frozen=True)
class Excluded:
    """Everyone whose posts a viewer must not be shown in streams: accounts they block or
    mute, accounts that block them, and the domains they block."""

    account_ids: frozenset[int] = frozenset()
    domains: frozenset[str] = frozenset()

    def hides(self, account_id: int | None, domain: str | None) -> bool:
        return account_id in self.account_ids or (domain is not None and domain in self.domains)


async def excluded_for(session: AsyncSession, viewer_id: int) -> Excluded:
    """The viewer's whole exclusion set in three queries (for a streaming connection)."""
    blocks = await session.execute(select(Block.account_id, Block.target_account_id).where(
        or_(Block.account_id == viewer_id, Block.target_account_id == viewer_id)))
    ids = {blocked if blocker == viewer_id else blocker for blocker, blocked in blocks.tuples()}
    ids.update((await session.scalars(select(Mute.target_account_id).where(
        Mute.account_id == viewer_id,
        or_(Mute.expires_at.is_(None), Mute.expires_at > utcnow())))).all())
    domains = (await session.scalars(select(DomainBlock.domain).where(
        DomainBlock.account_id == viewer_id))).all()
    return Excluded(frozenset(ids), frozenset(domains))
