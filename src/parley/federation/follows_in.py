"""Received follows: a remote account's Follow of a local one (accepted at once, or a
request its owner decides on), and the Accept, Reject and Undo that answer or take back a
follow. An Accept may embed the Follow or name it by id (perhaps an earlier Follow's id):
the follow is found by the two accounts, and the answer must come from the followed one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.accounts.remote import account_by_uri
from parley.errors import Forbidden
from parley.federation import activities_out
from parley.federation.audience import inboxes_of
from parley.federation.delivery import deliver
from parley.federation.inbound import Inbound
from parley.federation.vocab import id_of
from parley.social.exclusions import blocked_either
from parley.social.models import Follow
from parley.social.service import (
    FollowOptions,
    authorize_request,
    find_follow,
    reject_request,
)
from parley.social.service import follow as follow_account
from parley.social.service import unfollow as unfollow_account


async def _local(session: AsyncSession, inbound: Inbound, uri: str | None) -> Account | None:
    if uri is None or not uri.startswith(inbound.settings.base_url + "/"):
        return None
    account = await account_by_uri(session, uri)
    return account if account is not None and account.domain is None else None


async def follow(inbound: Inbound) -> None:
    """A remote account follows (or asks to follow) a local one."""
    async with inbound.db.write() as session:
        target = await _local(session, inbound, inbound.activity.object_id)
        actor = await session.merge(inbound.actor)
        if target is None or target.suspended_at is not None:
            return
        if await blocked_either(session, actor.id, target.id):
            await deliver(session, activities_out.reject_follow(
                inbound.activity.id, actor.uri, target.uri),
                await inboxes_of(session, [actor.id]), signer_id=target.id)
            return
        existing = await find_follow(session, actor.id, target.id)
        if existing is not None:
            await _answer_again(session, existing, inbound.activity.id, actor, target)
            return
        try:
            await follow_account(session, actor=actor, target=target,
                                 options=FollowOptions(uri=inbound.activity.id))
        except Forbidden:
            return


async def _answer_again(session: AsyncSession, existing: Follow, follow_uri: str,
                        actor: Account, target: Account) -> None:
    """A Follow for a follow we have: its server asks again (lost our Accept, or follows
    anew after an unfollow we missed); an accepted one is accepted again under its new id."""
    existing.uri = follow_uri
    await session.flush()
    if existing.state == "accepted":
        await deliver(session, activities_out.accept_follow(follow_uri, actor.uri, target.uri),
                      await inboxes_of(session, [actor.id]), signer_id=target.id)


def _followed_by(document: Any) -> str | None:
    """The follower named by an Accept's or Reject's object, when it embeds the Follow."""
    return id_of(document.get("actor")) if isinstance(document, dict) else None


async def _our_follow(session: AsyncSession, inbound: Inbound
                      ) -> tuple[Account, Account, Follow] | None:
    """The local follower, the remote account (the activity's actor) and the follow an
    Accept or Reject answers, when there is one."""
    target = await session.merge(inbound.actor)
    follower = await _local(session, inbound, _followed_by(inbound.activity.object))
    if follower is None:
        uri = inbound.activity.object_id or ""
        owner = uri.split("/follows/", 1)[0] if "/follows/" in uri else None
        follower = await _local(session, inbound, owner)
    if follower is None:
        return None
    follow = await find_follow(session, follower.id, target.id)
    return None if follow is None else (follower, target, follow)


async def accept(inbound: Inbound) -> None:
    async with inbound.db.write() as session:
        found = await _our_follow(session, inbound)
        if found is not None and found[2].state == "pending":
            await authorize_request(session, target=found[1], requester_id=found[0].id)


async def reject(inbound: Inbound) -> None:
    async with inbound.db.write() as session:
        found = await _our_follow(session, inbound)
        if found is None:
            return
        follower, target, follow = found
        if follow.state == "pending":
            await reject_request(session, target=target, requester_id=follower.id)
        else:
            await unfollow_account(session, actor=follower, target=target, by_target=True)


async def undo(inbound: Inbound) -> None:
    """Undo of a Follow (embedded, or named by the id it came with): the remote account
    stops following."""
    undone = inbound.activity.object
    async with inbound.db.write() as session:
        actor = await session.merge(inbound.actor)
        if isinstance(undone, dict) and undone.get("type") == "Follow":
            target = await _local(session, inbound, id_of(undone.get("object")))
        else:
            target = await _followed_under(session, actor, inbound.activity.object_id)
        if target is not None:
            await unfollow_account(session, actor=actor, target=target)


async def _followed_under(session: AsyncSession, actor: Account, follow_uri: str | None
                          ) -> Account | None:
    """The account `actor` follows under this Follow id."""
    if follow_uri is None:
        return None
    target_id = await session.scalar(select(Follow.target_account_id).where(
        Follow.uri == follow_uri, Follow.account_id == actor.id))
    return await session.get(Account, target_id) if target_id is not None else None
