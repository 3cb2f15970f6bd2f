"""What local likes, reposts and blocks send to other servers: durable subscribers of the
domain events that queue a Like (to the liked post's remote author), an Announce (to the
reposter's followers' servers and the original's author), a Block (to the blocked remote
account: Mastodon sends it, and its server ends the follows), and the Undo of each. Their
ids are Mastodon's shapes: the like's and block's own ids under the actor, the repost's
uri for the Announce."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.events import Subscriber
from parley.events.posts import Liked, Reposted, Unliked, Unreposted
from parley.events.social import Blocked, Unblocked
from parley.federation.audience import inboxes_of, post_inboxes
from parley.federation.delivery import deliver
from parley.federation.notes_out import addressing, document
from parley.posts.models import DISTRIBUTABLE, Like, Post
from parley.posts.rows import PostRow
from parley.social.models import Block
from parley.store.rawsql import iso_of


def like(like_uri: str, actor_uri: str, post_uri: str) -> dict[str, Any]:
    return {"id": like_uri, "type": "Like", "actor": actor_uri, "object": post_uri}


def announce(repost: Post | PostRow, actor_uri: str, original: Post | PostRow,
             original_author_uri: str) -> dict[str, Any]:
    """A repost's Announce, addressed as Mastodon addresses a reblog."""
    audience = addressing(repost.visibility, actor_uri, [original_author_uri])
    return {"id": repost.uri, "type": "Announce", "actor": actor_uri,
            "published": iso_of(repost.created_at), "to": audience.to, "cc": audience.cc,
            "object": original.uri}


def block(block_uri: str, actor_uri: str, target_uri: str) -> dict[str, Any]:
    return {"id": block_uri, "type": "Block", "actor": actor_uri, "object": target_uri}


def undo(undone: dict[str, Any]) -> dict[str, Any]:
    """The Undo of an activity, embedding it (receivers read what it was from it)."""
    extra: dict[str, Any] = {key: undone[key] for key in ("to", "cc") if key in undone}
    return document({"id": f"{undone['id']}/undo", "type": "Undo", "actor": undone["actor"],
                     **extra, "object": undone})


async def _local_and_remote(session: AsyncSession, local_id: int, remote_id: int
                            ) -> tuple[Account, Account] | None:
    local = await session.get(Account, local_id)
    remote = await session.get(Account, remote_id)
    if local is None or remote is None or not local.is_local or remote.is_local:
        return None
    return local, remote


async def _like_sent(session: AsyncSession, account_id: int, author_id: int, post_id: int,
                     like_id: int | None, *, undone: bool) -> None:
    pair = await _local_and_remote(session, account_id, author_id)
    post = await session.get(Post, post_id)
    if pair is None or post is None:
        return
    actor, author = pair
    if like_id is None:
        like_id = await session.scalar(select(Like.id).where(
            Like.account_id == actor.id, Like.post_id == post.id))
        if like_id is None:
            return
    activity = like(f"{actor.uri}#likes/{like_id}", actor.uri, post.uri)
    await deliver(session, undo(activity) if undone else document(activity),
                  await inboxes_of(session, [author.id]), signer_id=actor.id)


async def _liked(session: AsyncSession, event: Liked) -> None:
    await _like_sent(session, event.account_id, event.author_id, event.post_id, None,
                     undone=False)


async def _unliked(session: AsyncSession, event: Unliked) -> None:
    await _like_sent(session, event.account_id, event.author_id, event.post_id,
                     event.like_id, undone=True)


async def _announce_of(session: AsyncSession, actor_id: int, original_id: int
                       ) -> tuple[Account, Post, Account] | None:
    """The local reposter, the original (public or unlisted) and its author."""
    actor = await session.get(Account, actor_id)
    original = await session.get(Post, original_id)
    if actor is None or not actor.is_local or original is None \
            or original.visibility not in DISTRIBUTABLE:
        return None
    author = await session.get(Account, original.account_id)
    return (actor, original, author) if author is not None else None


async def _reposted(session: AsyncSession, event: Reposted) -> None:
    found = await _announce_of(session, event.account_id, event.original_id)
    repost = await session.get(Post, event.post_id)
    if found is None or repost is None or repost.visibility not in DISTRIBUTABLE:
        return
    actor, original, author = found
    inboxes = await post_inboxes(session, author_id=actor.id, visibility=repost.visibility,
                                 mentioned=[author.id])
    await deliver(session, document(announce(repost, actor.uri, original, author.uri)),
                  inboxes, signer_id=actor.id)


async def _unreposted(session: AsyncSession, event: Unreposted) -> None:
    found = await _announce_of(session, event.account_id, event.original_id)
    if found is None or event.repost_uri is None:
        return
    actor, original, author = found
    audience = addressing(original.visibility, actor.uri, [author.uri])
    undone = {"id": event.repost_uri, "type": "Announce", "actor": actor.uri,
              "to": audience.to, "cc": audience.cc, "object": original.uri}
    inboxes = await post_inboxes(session, author_id=actor.id, visibility=original.visibility,
                                 mentioned=[author.id])
    await deliver(session, undo(undone), inboxes, signer_id=actor.id)


async def _blocked(session: AsyncSession, event: Blocked) -> None:
    pair = await _local_and_remote(session, event.account_id, event.target_id)
    if pair is None:
        return
    actor, target = pair
    block_id = await session.scalar(select(Block.id).where(
        Block.account_id == actor.id, Block.target_account_id == target.id))
    activity = block(f"{actor.uri}#blocks/{block_id}", actor.uri, target.uri)
    await deliver(session, document(activity), await inboxes_of(session, [target.id]),
                  signer_id=actor.id)


async def _unblocked(session: AsyncSession, event: Unblocked) -> None:
    pair = await _local_and_remote(session, event.account_id, event.target_id)
    if pair is None:
        return
    actor, target = pair
    activity = block(f"{actor.uri}#blocks/{event.block_id}", actor.uri, target.uri)
    await deliver(session, undo(activity), await inboxes_of(session, [target.id]),
                  signer_id=actor.id)


SUBSCRIBERS = (
    Subscriber(Liked, _liked),
    Subscriber(Unliked, _unliked),
    Subscriber(Reposted, _reposted),
    Subscriber(Unreposted, _unreposted),
    Subscriber(Blocked, _blocked),
    Subscriber(Unblocked, _unblocked),
)
