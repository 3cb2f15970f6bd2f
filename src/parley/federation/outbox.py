"""What local events send to other servers: durable subscribers of the domain events that
queue deliveries in the same transaction. A new or edited post becomes a job that renders
its Create or Update once and queues it for every inbox of its audience (a new quote of a
remote post also asks its author with a QuoteRequest, quotes_out.py); a deleted post's
Delete is queued at once (its mentions go with its rows); follows send Follow, Accept,
Reject and Undo. Nothing is queued while the server knows no remote actor at all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.config import Settings
from parley.events import Subscriber
from parley.events.posts import PostCreated, PostDeleted, PostEdited
from parley.events.social import (
    FollowAccepted,
    FollowEnded,
    FollowRequested,
    FollowRequestWithdrawn,
)
from parley.federation import activities_out, notes_out
from parley.federation.audience import inboxes_of, post_inboxes
from parley.federation.delivery import deliver
from parley.federation.models import RemoteActor
from parley.federation.notes_out import addressing
from parley.federation.quotes_out import quote_fields, send_request
from parley.jobs.queue import enqueue
from parley.jobs.registry import JobContext, JobKind
from parley.lib.timefmt import utcnow
from parley.media.storage import storage_for
from parley.posts.models import DISTRIBUTABLE, Mention, Post
from parley.posts.remote import post_uri
from parley.posts.rows import load_page
from parley.social.service import find_follow
from parley.store.rawsql import iso_of
from parley.store.rawwrite import SessionSql

_remote_known = False


async def any_remote(session: AsyncSession) -> bool:
    """Whether the server knows any remote actor (once it does, it always will: kept)."""
    global _remote_known
    if not _remote_known:
        _remote_known = await session.scalar(select(RemoteActor.account_id).limit(1)) is not None
    return _remote_known


@dataclass(frozen=True)
class PostJob:
    """A local post to send: its Create (`edit` False) or its Update."""

    post_id: int
    edit: bool = False
    # Why an Update is sent without an edit (its quote was answered), telling it apart.
    reason: str = ""


async def _post_created(session: AsyncSession, event: PostCreated) -> None:
    local = event.row["domain"] is None if event.row is not None else await session.scalar(
        select(Post.domain.is_(None)).where(Post.id == event.post_id))
    if local and await any_remote(session):
        await enqueue(session, DISTRIBUTE, PostJob(event.post_id))


async def _post_edited(session: AsyncSession, event: PostEdited) -> None:
    if await any_remote(session) and await session.scalar(
            select(Post.domain.is_(None)).where(Post.id == event.post_id)):
        await enqueue(session, DISTRIBUTE, PostJob(event.post_id, edit=True))


@dataclass(frozen=True)
class LocalNote:
    """A local post's Note (or Question) as it is now, and the accounts it goes to beyond
    the author's followers."""

    note: dict[str, Any]
    addressed: list[int]


async def local_note(session: AsyncSession, settings: Settings, post: Post) -> LocalNote | None:
    """Render a local post (not a repost) for its activities; None when it cannot be."""
    if post.domain is not None or post.repost_of_id is not None:
        return None
    page = await load_page(SessionSql(session), post.account_id, ids=[post.id], people=True)
    if not page.posts:
        return None
    parent = await post_uri(session, post.in_reply_to_id)
    note = notes_out.note(page.posts[0], page, settings, storage_for(settings),
                          in_reply_to=parent, quoted=await quote_fields(session, post),
                          context=await notes_out.context_url(session, post.thread_id))
    addressed = [m.id for m in page.batch.mentions.get(post.id, ())]
    if post.in_reply_to_account_id is not None and post.visibility in DISTRIBUTABLE:
        # A public reply reaches the author it answers, mentioned or not (a limited one
        # goes only to whom it addresses).
        addressed.append(post.in_reply_to_account_id)
    return LocalNote(note, addressed)


async def _distribute(ctx: JobContext, job: PostJob) -> None:
    """Render the post's activity once and queue it for its audience's inboxes."""
    session = ctx.session
    post = await session.get(Post, job.post_id)
    rendered = await local_note(session, ctx.settings, post) if post is not None else None
    if post is None or rendered is None:
        return
    activity = (notes_out.update(rendered.note, iso_of(post.edited_at) or iso_of(utcnow()) or "",
                                 reason=job.reason) if job.edit
                else notes_out.create(rendered.note))
    inboxes = await post_inboxes(session, author_id=post.account_id,
                                 visibility=post.visibility, mentioned=rendered.addressed)
    await deliver(session, activity, inboxes, signer_id=post.account_id)
    if not job.edit:
        await send_request(session, post, rendered.note)


async def _post_deleted(session: AsyncSession, event: PostDeleted) -> None:
    if not event.local or not await any_remote(session):
        return
    post = await session.get(Post, event.post_id)
    author = await session.get(Account, event.account_id)
    if post is None or author is None or post.repost_of_id is not None:
        return
    mentioned = list(await session.scalars(select(Mention.account_id).where(
        Mention.post_id == post.id)))
    uris = list(await session.scalars(select(Account.uri).where(Account.id.in_(mentioned))))
    audience = addressing(post.visibility, author.uri, uris)
    inboxes = await post_inboxes(session, author_id=author.id, visibility=post.visibility,
                                 mentioned=mentioned)
    await deliver(session, notes_out.delete(post.uri, author.uri, audience.to, audience.cc),
                  inboxes, signer_id=author.id)


async def _pair(session: AsyncSession, follower_id: int, target_id: int
                ) -> tuple[Account, Account] | None:
    """The two accounts of a follow, when exactly one of them is remote."""
    follower = await session.get(Account, follower_id)
    target = await session.get(Account, target_id)
    if follower is None or target is None or follower.is_local == target.is_local:
        return None
    return follower, target


async def _follow_uri(session: AsyncSession, follower: Account, target: Account) -> str | None:
    follow = await find_follow(session, follower.id, target.id)
    if follow is None:
        return None
    if follow.uri is None:  # a local follower's request: its id is ours to make
        follow.uri = f"{follower.uri}/follows/{follow.id}"
        await session.flush()
    return follow.uri


async def _follow_requested(session: AsyncSession, event: FollowRequested) -> None:
    pair = await _pair(session, event.follower_id, event.target_id)
    if pair is None or not pair[0].is_local:
        return  # a remote account asking a local one: its owner decides, then we answer
    follower, target = pair
    uri = await _follow_uri(session, follower, target)
    if uri is not None:
        await deliver(session, activities_out.follow(uri, follower.uri, target.uri),
                      await inboxes_of(session, [target.id]), signer_id=follower.id)


async def _follow_accepted(session: AsyncSession, event: FollowAccepted) -> None:
    pair = await _pair(session, event.follower_id, event.target_id)
    if pair is None or pair[0].is_local:
        return  # our own follow of a remote account: its Accept is what brought us here
    follower, target = pair
    uri = await _follow_uri(session, follower, target)
    if uri is not None:
        await deliver(session, activities_out.accept_follow(uri, follower.uri, target.uri),
                      await inboxes_of(session, [follower.id]), signer_id=target.id)


async def _follow_withdrawn(session: AsyncSession, event: FollowRequestWithdrawn) -> None:
    await _follow_gone(session, event.follower_id, event.target_id, event.uri,
                       rejected=event.rejected)


async def _follow_ended(session: AsyncSession, event: FollowEnded) -> None:
    await _follow_gone(session, event.follower_id, event.target_id, event.uri,
                       rejected=event.by_target)


async def _follow_gone(session: AsyncSession, follower_id: int, target_id: int,
                       uri: str | None, *, rejected: bool) -> None:
    """A follow (or request) ended: a local follower took it back (Undo); a local target
    ended a remote account's follow (Reject). A follow ended by the remote side (its Undo,
    its Reject) sends nothing back."""
    pair = await _pair(session, follower_id, target_id)
    if pair is None:
        return
    follower, target = pair
    uri = uri or f"{follower.uri}/follows/unknown"
    if follower.is_local and not rejected:
        await deliver(session, activities_out.undo_follow(uri, follower.uri, target.uri),
                      await inboxes_of(session, [target.id]), signer_id=follower.id)
    elif not follower.is_local and rejected:
        await deliver(session, activities_out.reject_follow(uri, follower.uri, target.uri),
                      await inboxes_of(session, [follower.id]), signer_id=target.id)


DISTRIBUTE = JobKind("federation.distribute", PostJob, _distribute)
JOBS = (DISTRIBUTE,)
SUBSCRIBERS = (
    Subscriber(PostCreated, _post_created),
    Subscriber(PostEdited, _post_edited),
    Subscriber(PostDeleted, _post_deleted),
    Subscriber(FollowRequested, _follow_requested),
    Subscriber(FollowAccepted, _follow_accepted),
    Subscriber(FollowRequestWithdrawn, _follow_withdrawn),
    Subscriber(FollowEnded, _follow_ended),
)
