"""Received Adds and Removes (Mastodon's pins): an actor's own post added to (or removed
from) its own featured collection is pinned (or unpinned) on its profile here, as its
server shows it. A post not known yet is fetched when a local account follows the actor
(interactions_in.known_or_fetched). Featured hashtags (an Add of a Hashtag) are not kept
yet; a target other than the actor's featured collection is ignored."""

from __future__ import annotations

import logging

from sqlalchemy import select

from parley.errors import Invalid
from parley.featured.service import pin_remote_post, unpin
from parley.federation.inbound import Inbound
from parley.federation.interactions_in import known_or_fetched
from parley.federation.models import RemoteActor
from parley.posts.models import Post
from parley.posts.remote import post_by_uri

log = logging.getLogger("parley.federation")


async def _to_featured(inbound: Inbound) -> bool:
    """Whether the activity's target is the actor's featured collection (as its actor
    document names it) and its object a post's id."""
    target = inbound.activity.target
    if target is None or inbound.activity.object_id is None \
            or inbound.activity.object_type == "Hashtag":
        return False
    async with inbound.db.read() as session:
        featured = await session.scalar(select(RemoteActor.featured_url).where(
            RemoteActor.account_id == inbound.actor.id))
    return featured is not None and featured == target


async def add(inbound: Inbound) -> None:
    if not await _to_featured(inbound):
        return
    found = await known_or_fetched(inbound, str(inbound.activity.object_id))
    if found is None:
        return
    async with inbound.db.write() as session:
        post = await session.get(Post, found.id)
        if post is None:
            return
        try:
            await pin_remote_post(session, account_id=inbound.actor.id, post=post)
        except Invalid as refused:
            log.info("refused the Add %s: %s", inbound.activity.id, refused)


async def remove(inbound: Inbound) -> None:
    if not await _to_featured(inbound):
        return
    async with inbound.db.write() as session:
        post = await post_by_uri(session, str(inbound.activity.object_id))
        if post is not None and post.account_id == inbound.actor.id:
            await unpin(session, account_id=inbound.actor.id, post_id=post.id)
