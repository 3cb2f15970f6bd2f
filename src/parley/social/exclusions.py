"""Who excludes whom ("what a viewer chose not to see"): the exclusion rule, defined once as
a table of edges (ACCOUNT_EDGES, DOMAIN_EDGE), and the forms derived from it: the accounts
hidden from a viewer (the raw viewer context of home, threads, notifications and the streaming
gate), the viewers an account is hidden from (the fan-out's skip set), the correlated
condition for one pair (ORM reads); checks for one pair and the state in relationships."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from parley.accounts.models import Account
from parley.lib.timefmt import utcnow
from parley.social.models import Block, DomainBlock, Mute
from parley.store.sql import alias_of

# An account id, a domain or a time: a Python value or a column/parameter of the enclosing query.
Ref = Any
MuteScope = Literal["posts", "notifications", "none"]


@dataclass(frozen=True)
class Edge:
    """One way a viewer comes not to see an account: a row of `model` whose `viewer` column
    is the viewer and whose `target` column is the account (`domain`: the account's domain)."""

    model: type[Any]
    alias: str  # the alias every derived form reads it under
    viewer: str
    target: str
    mute: bool = False

    def conditions(self, row: Any, now: Ref, mutes: MuteScope) -> list[ColumnElement[bool]]:
        if not self.mute:
            return []
        # An expired mute no longer counts; a notifications-only scope needs the flag.
        active = [or_(row.expires_at.is_(None), row.expires_at > now)]
        if mutes == "notifications":
            active.append(row.notifications.is_(True))
        return active

    def counts(self, mutes: MuteScope) -> bool:
        return not self.mute or mutes != "none"


# The rule: a viewer does not see an account they block, that blocks them, that they mute
# (while the mute lasts), or whose domain they block.
BLOCKS = Edge(Block, "vis_block", "account_id", "target_account_id")
BLOCKED_BY = Edge(Block, "vis_block", "target_account_id", "account_id")
MUTES = Edge(Mute, "vis_mute", "account_id", "target_account_id", mute=True)
ACCOUNT_EDGES = (BLOCKS, BLOCKED_BY, MUTES)
DOMAIN_EDGE = Edge(DomainBlock, "vis_domain_block", "account_id", "domain")


def edge_holds(edge: Edge, viewer: Ref, target: Ref, *, now: Ref = None,
               mutes: MuteScope = "posts") -> ColumnElement[bool]:
    """The correlated condition: `edge` holds between `viewer` and `target`."""
    row = alias_of(edge.model, edge.alias)  # the enclosing query may itself read the table
    # Selects an indexed column, not the id: SQLite then answers from the index alone.
    return exists(select(getattr(row, edge.viewer)).where(
        getattr(row, edge.viewer) == viewer, getattr(row, edge.target) == target,
        *edge.conditions(row, utcnow() if now is None else now, mutes)))


def account_hidden(viewer: Ref, account: Ref, domain: Ref = None, *, now: Ref = None,
                   mutes: MuteScope = "posts") -> ColumnElement[bool]:
    """`account` is hidden from `viewer` by any edge (`mutes`: any mute, only mutes of
    notifications, or mutes do not count). `domain` is the account's domain (a column) when
    the query has it; None looks it up."""
    terms = [edge_holds(edge, viewer, account, now=now, mutes=mutes)
             for edge in ACCOUNT_EDGES if edge.counts(mutes)]
    if domain is None:
        # A join, not a scalar subquery for the domain: a subquery two levels down would not
        # correlate with the outer query's columns.
        block = alias_of(DomainBlock, "vis_account_domain_block")
        other = alias_of(Account, "vis_blocked_account")
        terms.append(exists(select(block.id).join(other, other.domain == block.domain)
                            .where(block.account_id == viewer, other.id == account)))
    else:
        terms.append(edge_holds(DOMAIN_EDGE, viewer, domain))
    return or_(*terms)


def _sides(edge: Edge, give: str, given: str, value: Ref, now: Ref, mutes: MuteScope
           ) -> Select[Any]:
    model = edge.model
    return select(getattr(model, give).label("id")).where(
        getattr(model, given) == value, *edge.conditions(model, now, mutes))


def hidden_from(viewer: Ref, now: Ref, *, mutes: MuteScope = "posts") -> list[Select[Any]]:
    """The accounts hidden from `viewer` (one SELECT of ids per edge; domains apart)."""
    return [_sides(edge, edge.target, edge.viewer, viewer, now, mutes)
            for edge in ACCOUNT_EDGES if edge.counts(mutes)]


def domains_hidden_from(viewer: Ref) -> Select[Any]:
    return _sides(DOMAIN_EDGE, DOMAIN_EDGE.target, DOMAIN_EDGE.viewer, viewer, None, "none")


def hidden_to(account: Ref, domain: str | None, now: Ref) -> list[Select[Any]]:
    """The viewers `account` (of `domain`) is hidden from: the fan-out skips their homes."""
    parts = [_sides(edge, edge.viewer, edge.target, account, now, "posts")
             for edge in ACCOUNT_EDGES]
    if domain is not None:
        parts.append(_sides(DOMAIN_EDGE, DOMAIN_EDGE.viewer, DOMAIN_EDGE.target, domain, None,
                            "none"))
    return parts


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
        *MUTES.conditions(Mute, utcnow(), "posts")))
    for target, notifications in mutes.tuples():
        states[target].muting = True
        states[target].muting_notifications = bool(notifications)
    domain_blocked = await session.scalars(
        select(Account.id).join(DomainBlock, DomainBlock.domain == Account.domain)
        .where(DomainBlock.account_id == viewer_id, Account.id.in_(wanted)))
    for account_id in domain_blocked:
        states[account_id].domain_blocking = True
