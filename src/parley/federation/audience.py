"""Who a local activity goes to, as inboxes: the servers where the author's followers are
(one shared inbox per server where it has one) for everything but direct posts, and the
people a post mentions (a direct post: only them, each at their own inbox). Gone actors and
servers the instance suspends get nothing."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.federation.client import domain_of
from parley.federation.models import RemoteActor
from parley.moderation.blocks import suspended_domains
from parley.social.models import Follow

_SHARED = func.coalesce(RemoteActor.shared_inbox_url, RemoteActor.inbox_url)


async def _without_suspended(session: AsyncSession, inboxes: set[str]) -> set[str]:
    refused = await suspended_domains(session, {domain_of(inbox) for inbox in inboxes})
    return {inbox for inbox in inboxes if domain_of(inbox) not in refused}


async def follower_inboxes(session: AsyncSession, account_id: int) -> set[str]:
    """The inboxes that reach every remote follower of the account (shared where possible)."""
    rows = await session.scalars(
        select(_SHARED).distinct()
        .join(Follow, Follow.account_id == RemoteActor.account_id)
        .where(Follow.target_account_id == account_id, Follow.state == "accepted",
               RemoteActor.gone_at.is_(None)))
    return set(rows)


async def account_inboxes(session: AsyncSession, account_ids: Iterable[int], *,
                          shared: bool) -> set[str]:
    """The inboxes of these accounts (the remote ones among them): their shared inboxes,
    or (`shared` False, for what only they may read) their own."""
    wanted = list(set(account_ids))
    if not wanted:
        return set()
    column = _SHARED if shared else RemoteActor.inbox_url
    rows = await session.scalars(select(column).where(
        RemoteActor.account_id.in_(wanted), RemoteActor.gone_at.is_(None)))
    return set(rows)


async def post_inboxes(session: AsyncSession, *, author_id: int, visibility: str,
                       mentioned: Iterable[int]) -> set[str]:
    """Where a post (or its edit or deletion) goes, by its visibility."""
    direct = visibility == "direct"
    inboxes = await account_inboxes(session, mentioned, shared=not direct)
    if not direct:
        inboxes |= await follower_inboxes(session, author_id)
    return await _without_suspended(session, inboxes)


async def inboxes_of(session: AsyncSession, account_ids: Iterable[int]) -> set[str]:
    """The own inboxes of these accounts, for activities meant for them alone (a Follow,
    its Accept)."""
    return await _without_suspended(session, await account_inboxes(session, account_ids,
                                                                    shared=False))


async def account_reach(session: AsyncSession, account_id: int) -> set[str]:
    """Where news of an account itself goes (its profile's Update): the servers of its
    followers, who keep a copy of it."""
    return await _without_suspended(session, await follower_inboxes(session, account_id))
