"""What pinning sends (as Mastodon does): pinning a public or unlisted local post sends an
Add of it to the author's featured collection, unpinning it a Remove, to the servers where
the author's followers are. Other pins are shown to no other server (nor listed in the
featured collection: routes.py). Mastodon's Add and Remove carry no id; Parley's do (the
pin's), so that receivers that need one have it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.events import Subscriber
from parley.events.posts import PostPinned, PostUnpinned
from parley.federation.actors_out import featured_url
from parley.federation.audience import post_inboxes
from parley.federation.delivery import deliver
from parley.federation.notes_out import document
from parley.federation.outbox import any_remote
from parley.posts.models import DISTRIBUTABLE, Post


def add(pin_id: int, actor_uri: str, post_uri: str) -> dict[str, Any]:
    return document({"id": f"{actor_uri}#pins/{pin_id}", "type": "Add", "actor": actor_uri,
                     "object": post_uri, "target": featured_url(actor_uri)})


def remove(pin_id: int, actor_uri: str, post_uri: str) -> dict[str, Any]:
    return document({"id": f"{actor_uri}#pins/{pin_id}/remove", "type": "Remove",
                     "actor": actor_uri, "object": post_uri,
                     "target": featured_url(actor_uri)})


async def _send(session: AsyncSession, event: PostPinned | PostUnpinned, *,
                added: bool) -> None:
    if not await any_remote(session):
        return
    account = await session.get(Account, event.account_id)
    post = await session.get(Post, event.post_id)
    if account is None or not account.is_local or post is None \
            or post.visibility not in DISTRIBUTABLE:
        return
    activity = (add if added else remove)(event.pin_id, account.uri, post.uri)
    inboxes = await post_inboxes(session, author_id=account.id, visibility=post.visibility,
                                 mentioned=[])
    await deliver(session, activity, inboxes, signer_id=account.id)


async def _pinned(session: AsyncSession, event: PostPinned) -> None:
    await _send(session, event, added=True)


async def _unpinned(session: AsyncSession, event: PostUnpinned) -> None:
    await _send(session, event, added=False)


SUBSCRIBERS = (Subscriber(PostPinned, _pinned), Subscriber(PostUnpinned, _unpinned))
