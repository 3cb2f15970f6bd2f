"""Follow suggestions from the graph (friends of friends, popular active local accounts), and
the profile directory."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from parley.accounts.models import Account, User
from parley.discovery.models import SuggestionDismissal
from parley.errors import NotFound
from parley.lib.timefmt import utcnow
from parley.posts.visibility import account_hidden
from parley.social.models import Follow
from parley.store.sql import alias_of

# "Active" accounts posted within this long.
ACTIVE_WITHIN = timedelta(days=30)
DIRECTORY_ORDERS = ("active", "new")


@dataclass
class Suggestion:
    """An account to follow and why (Mastodon's suggestion sources)."""

    account: Account
    sources: list[str] = field(default_factory=list)


def _usable(account: type[Account] = Account) -> ColumnElement[bool]:
    """Discoverable, and for a local account one whose user is approved and enabled."""
    active_user = exists(select(User.account_id).where(
        User.account_id == account.id, User.approved.is_(True), User.disabled.is_(False)))
    return account.discoverable.is_(True) & or_(account.domain.is_not(None), active_user)


def _not_for(viewer_id: int) -> list[ColumnElement[bool]]:
    """A candidate Account is never the viewer, someone the viewer follows or asked to,
    dismissed, blocked either way, muted, or on a blocked domain."""
    follow = alias_of(Follow, "sugg_follow")
    return [
        Account.id != viewer_id,
        ~exists(select(follow.id).where(follow.account_id == viewer_id,
                                        follow.target_account_id == Account.id)),
        ~exists(select(SuggestionDismissal.account_id).where(
            SuggestionDismissal.account_id == viewer_id,
            SuggestionDismissal.target_account_id == Account.id)),
        ~account_hidden(viewer_id, Account.id, Account.domain),
    ]


def _friends_of_friends(viewer_id: int, limit: int) -> Select[Account, int]:
    """Accounts followed by the accounts the viewer follows, by how many of them do."""
    mine = alias_of(Follow, "sugg_mine")
    followed_by_mine = (select(mine.target_account_id)
                        .where(mine.account_id == viewer_id, mine.state == "accepted"))
    count = func.count().label("n")
    return (select(Account, count)
            .join(Follow, Follow.target_account_id == Account.id)
            .where(Follow.account_id.in_(followed_by_mine), Follow.state == "accepted",
                   _usable(), *_not_for(viewer_id))
            .group_by(Account.id).order_by(count.desc(), Account.followers_count.desc())
            .limit(limit))


def _popular_active(viewer_id: int, limit: int) -> Select[Account]:
    """Local accounts that posted lately, most followed first."""
    return (select(Account)
            .where(Account.domain.is_(None), Account.last_post_at >= utcnow() - ACTIVE_WITHIN,
                   _usable(), *_not_for(viewer_id))
            .order_by(Account.followers_count.desc(), Account.last_post_at.desc())
            .limit(limit))


async def suggest_accounts(session: AsyncSession, *, viewer_id: int, limit: int
                           ) -> list[Suggestion]:
    """Friends of friends first (the graph knows the viewer best), then popular active local
    accounts; an account found both ways carries both sources."""
    found: dict[int, Suggestion] = {}
    for account, _count in (await session.execute(
            _friends_of_friends(viewer_id, limit))).tuples():
        found[account.id] = Suggestion(account, ["friends_of_friends"])
    for account in await session.scalars(_popular_active(viewer_id, limit)):
        found.setdefault(account.id, Suggestion(account)).sources.append("most_followed")
    return list(found.values())[:limit]


async def dismiss_suggestion(session: AsyncSession, *, viewer_id: int, account_id: int
                             ) -> None:
    """Never suggest this account to the viewer again; idempotent."""
    if await session.get(Account, account_id) is None:
        raise NotFound()
    if await session.get(SuggestionDismissal, (viewer_id, account_id)) is None:
        session.add(SuggestionDismissal(account_id=viewer_id, target_account_id=account_id))
        await session.flush()


async def directory(session: AsyncSession, *, order: str, local: bool, offset: int,
                    limit: int) -> list[Account]:
    """Discoverable profiles: recently active first (`active`) or newest first (`new`)."""
    stmt = select(Account).where(_usable())
    if local:
        stmt = stmt.where(Account.domain.is_(None))
    if order == "new":
        stmt = stmt.order_by(Account.id.desc())
    else:  # nulls last on both engines: accounts that never posted go to the end
        stmt = stmt.order_by(Account.last_post_at.is_(None), Account.last_post_at.desc(),
                             Account.id.desc())
    return list(await session.scalars(stmt.offset(offset).limit(limit)))
