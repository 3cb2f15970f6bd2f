"""Received likes, reposts and blocks, and their Undo: a Like of a local post counts there
(and notifies its author); an Announce becomes a remote repost (its original fetched when
unknown) when it concerns someone here, fanned out to the reposter's local followers and
counted on a local original; a Block of a local account ends the follows both ways and hides
the two from each other. Undo is read by what it embeds (a Follow goes to follows_in); a
bare id is looked up as a repost's, then as a follow's."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.accounts.remote import account_by_uri
from parley.errors import Forbidden, Invalid, NotFound
from parley.federation import follows_in, parse
from parley.federation.actors_in import instance_signer
from parley.federation.fetch import fetch_object
from parley.federation.inbound import Inbound
from parley.federation.models import RemoteActor
from parley.federation.notes_in import store_note
from parley.federation.vocab import id_of
from parley.lib.fetch import FetchRefused
from parley.posts import interactions
from parley.posts.models import DISTRIBUTABLE, Post
from parley.posts.remote import post_by_uri, store_remote_repost
from parley.social import blocks
from parley.social.models import Follow
from parley.timelines.jobs import fan_out_here

log = logging.getLogger("parley.federation")


async def _local_account(session: AsyncSession, inbound: Inbound, uri: str | None
                         ) -> Account | None:
    if uri is None or not uri.startswith(inbound.settings.base_url + "/"):
        return None
    account = await account_by_uri(session, uri)
    return account if account is not None and account.domain is None else None


async def _local_post(session: AsyncSession, inbound: Inbound, uri: str | None) -> Post | None:
    if uri is None or not uri.startswith(inbound.settings.base_url + "/"):
        return None
    post = await post_by_uri(session, uri)
    return post if post is not None and post.domain is None else None


async def like(inbound: Inbound) -> None:
    """A remote account likes a local post it may see (others' posts are not counted
    here: their own servers count them)."""
    async with inbound.db.write() as session:
        post = await _local_post(session, inbound, inbound.activity.object_id)
        if post is None:
            return
        try:
            await interactions.like(session, actor_id=inbound.actor.id, post_id=post.id)
        except NotFound:
            return


async def _followed_here(session: AsyncSession, account_id: int) -> bool:
    found = await session.scalar(
        select(Follow.id).join(Account, Account.id == Follow.account_id)
        .where(Follow.target_account_id == account_id, Follow.state == "accepted",
               Account.domain.is_(None)).limit(1))
    return found is not None


async def known_or_fetched(inbound: Inbound, uri: str) -> Post | None:
    """The post an Announce reposts (or an Add pins): known, or fetched (always from its own
    server, never taken as embedded) when a local account follows the actor."""
    async with inbound.db.lookup() as session:
        known = await post_by_uri(session, uri)
        if known is not None or uri.startswith(inbound.settings.base_url + "/") \
                or not await _followed_here(session, inbound.actor.id):
            return known
    try:
        document = await fetch_object(inbound.settings,
                                      await instance_signer(inbound.db, inbound.settings), uri)
    except FetchRefused as failed:
        log.info("could not fetch %s: %s", uri, failed)
        return None
    if document.get("type") not in parse.NOTE_TYPES:
        return None
    return await store_note(inbound.db, inbound.settings, document)


async def announce(inbound: Inbound) -> None:
    """A remote repost: kept when its original is local or a local account follows the
    reposter; only public and unlisted posts, reposted publicly or unlisted."""
    uri = inbound.activity.object_id
    if uri is None:
        return
    found = await known_or_fetched(inbound, uri)
    if found is None:
        return
    async with inbound.db.write() as session:
        fan_out_here(session, inbound.settings)  # few local followers: homes in this transaction
        actor = await session.merge(inbound.actor)
        original = await session.get(Post, found.id)
        if original is None or original.visibility not in DISTRIBUTABLE:
            return
        if original.domain is not None and not await _followed_here(session, actor.id):
            return
        followers = await session.scalar(select(RemoteActor.followers_url).where(
            RemoteActor.account_id == actor.id))
        visibility = parse.visibility(inbound.activity.to, inbound.activity.cc, followers)
        try:
            await store_remote_repost(
                session, author=actor, uri=inbound.activity.id, original=original,
                visibility=visibility, created_at=parse.published(
                    inbound.document.get("published")))
        except (Forbidden, Invalid) as refused:
            log.info("refused the Announce %s: %s", inbound.activity.id, refused)


async def block(inbound: Inbound) -> None:
    """A remote account blocks a local one."""
    async with inbound.db.write() as session:
        target = await _local_account(session, inbound, inbound.activity.object_id)
        if target is None:
            return
        actor = await session.merge(inbound.actor)
        await blocks.block(session, actor=actor, target=target)


async def undo(inbound: Inbound) -> None:
    """Undo of a Like, Announce, Block or Follow."""
    kind = inbound.activity.object_type
    undone = inbound.activity.object
    inner = id_of(undone.get("object")) if isinstance(undone, dict) else None
    if kind == "Like":
        await _undo_like(inbound, inner)
    elif kind == "Block":
        await _undo_block(inbound, inner)
    elif kind == "Follow":
        await follows_in.undo(inbound)
    elif not await _undo_announce(inbound, inbound.activity.object_id) and kind is None:
        await follows_in.undo(inbound)  # a bare id that named no repost: perhaps a follow


async def _undo_like(inbound: Inbound, post_uri: str | None) -> None:
    async with inbound.db.write() as session:
        post = await _local_post(session, inbound, post_uri)
        if post is not None:
            await interactions.remove_like(session, actor_id=inbound.actor.id, post=post)


async def _undo_block(inbound: Inbound, target_uri: str | None) -> None:
    async with inbound.db.write() as session:
        target = await _local_account(session, inbound, target_uri)
        if target is not None:
            actor = await session.merge(inbound.actor)
            await blocks.unblock(session, actor=actor, target=target)


async def _undo_announce(inbound: Inbound, uri: str | None) -> bool:
    """Remove the actor's repost with this id; whether there was one."""
    if uri is None:
        return False
    async with inbound.db.write() as session:
        repost = await post_by_uri(session, uri)
        if repost is None or repost.account_id != inbound.actor.id \
                or repost.repost_of_id is None:
            return False
        original = await session.get(Post, repost.repost_of_id)
        if original is not None:
            await interactions.remove_repost(session, repost, original)
        return True
