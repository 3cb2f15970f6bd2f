"""Received Deletes of actors: an actor's own Delete (its object its own id) suspends its
account here (the visibility rule hides its posts at once), stops deliveries to it
(remote_actors.gone_at) and queues the removal of its posts, follows and likes, a batch per job
(a big account's rows are not deleted in one transaction). Deletes of posts go to
notes_in, of quote stamps to quotes_in."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.federation import notes_in, quotes_in
from parley.federation.inbound import Inbound
from parley.federation.models import RemoteActor
from parley.jobs.queue import PRIORITY_BULK, enqueue
from parley.jobs.registry import JobContext, JobKind
from parley.lib.timefmt import utcnow
from parley.posts.interactions import remove_like
from parley.posts.models import Like, Post
from parley.posts.remote import remove_posts_of
from parley.social.models import Follow
from parley.social.service import unfollow

BATCH = 200  # rows (posts, follows, likes) removed per job


async def delete(inbound: Inbound) -> None:
    if inbound.activity.object_id != inbound.actor.uri:
        if not await quotes_in.stamp_deleted(inbound):
            await notes_in.delete(inbound)
        return
    async with inbound.db.write() as session:
        account = await session.get(Account, inbound.actor.id)
        if account is None or account.domain is None:
            return
        now = utcnow()
        if account.suspended_at is None:
            account.suspended_at = now
        await session.execute(update(RemoteActor).where(
            RemoteActor.account_id == account.id, RemoteActor.gone_at.is_(None))
            .values(gone_at=now))
        await enqueue(session, REMOVE, GoneAccount(account.id), priority=PRIORITY_BULK)


@dataclass(frozen=True)
class GoneAccount:
    """A deleted remote account whose posts and follows are being removed."""

    account_id: int


async def _remove(ctx: JobContext, job: GoneAccount) -> None:
    """One batch: its posts first (newest first: what timelines show), then its follows
    both ways, then its likes (uncounted); queued again while anything is left."""
    session = ctx.session
    account = await session.get(Account, job.account_id)
    if account is None or account.domain is None or account.suspended_at is None:
        return  # gone entirely, or back (unsuspended by staff): nothing more to remove
    removed = await remove_posts_of(session, account.id, limit=BATCH)
    if removed < BATCH:
        removed += await _end_follows(session, account, BATCH - removed)
    if removed < BATCH:
        removed += await _remove_likes(session, account, BATCH - removed)
    if removed:
        await enqueue(session, REMOVE, job, priority=PRIORITY_BULK)


async def _end_follows(session: AsyncSession, account: Account, limit: int) -> int:
    """End up to `limit` of the follows (and requests) to and from the account, counted
    and told as unfollows are; returns how many ended."""
    follows = list((await session.scalars(select(Follow).where(or_(
        Follow.account_id == account.id, Follow.target_account_id == account.id))
        .limit(limit))).all())
    for follow in follows:
        follower = await session.get(Account, follow.account_id)
        target = await session.get(Account, follow.target_account_id)
        if follower is not None and target is not None:
            await unfollow(session, actor=follower, target=target,
                           by_target=follower.id != account.id)
    return len(follows)


async def _remove_likes(session: AsyncSession, account: Account, limit: int) -> int:
    """Take back up to `limit` of the account's likes (as its Undo would)."""
    liked = list((await session.scalars(select(Post).join(Like, Like.post_id == Post.id)
                                        .where(Like.account_id == account.id)
                                        .limit(limit))).all())
    for post in liked:
        await remove_like(session, actor_id=account.id, post=post)
    return len(liked)


REMOVE = JobKind("federation.remove_gone_account", GoneAccount, _remove)
JOBS = (REMOVE,)
