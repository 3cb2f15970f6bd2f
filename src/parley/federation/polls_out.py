"""What votes and polls send to other servers, as Mastodon sends them. A local account's
ballot in a remote poll: each choice a Create of a Note named as the option, answering the
poll's post, for the poll's author alone. A local poll's new counts: its Update (the Question
as it is now) to the post's audience and the voters' servers, at most once a minute per
poll (votes in between join it: a poll_updates row marks the one queued), and at its close.
A poll whose author hides the totals is sent only at its close (Mastodon's rule)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.events import Subscriber
from parley.events.polls import PollEnded, PollVoted
from parley.federation import notes_out
from parley.federation.audience import inboxes_of, post_inboxes
from parley.federation.delivery import deliver
from parley.federation.models import PollUpdate
from parley.federation.outbox import any_remote, local_note
from parley.jobs.queue import enqueue
from parley.jobs.registry import JobContext, JobKind
from parley.lib.timefmt import utcnow
from parley.polls.models import Poll, PollVote
from parley.posts.models import Post
from parley.store.dialect import dialect_of
from parley.store.rawsql import iso_of

# How long a local poll's new counts wait for more votes before its Update goes (Mastodon
# waits 3 minutes).
UPDATE_DELAY = timedelta(minutes=1)


def vote(vote_id: int, voter_uri: str, option: str, poll_uri: str, author_uri: str
         ) -> dict[str, Any]:
    """One choice of a ballot: a Create of a Note named as the option, without content,
    answering the poll's post, for its author alone (ids under the voter, by the vote's)."""
    note_id = f"{voter_uri}#votes/{vote_id}"
    return notes_out.document({
        "id": f"{note_id}/activity", "type": "Create", "actor": voter_uri, "to": [author_uri],
        "object": {"id": note_id, "type": "Note", "name": option, "attributedTo": voter_uri,
                   "inReplyTo": poll_uri, "to": [author_uri]}})


async def _send_votes(session: AsyncSession, voter: Account, author: Account,
                      event: PollVoted) -> None:
    post = await session.get(Post, event.post_id)
    poll = await session.get(Poll, event.poll_id)
    if post is None or poll is None:
        return
    inboxes = await inboxes_of(session, [author.id])
    votes = await session.scalars(select(PollVote).where(PollVote.id.in_(event.vote_ids))
                                  .order_by(PollVote.choice))
    for cast in votes:
        await deliver(session, vote(cast.id, voter.uri, poll.options[cast.choice], post.uri,
                                    author.uri), inboxes, signer_id=voter.id)


@dataclass(frozen=True)
class PollUpdateJob:
    """A local poll whose Update is due: after votes (sent unless one went since: its
    poll_updates row is gone), or at its close (sent in any case)."""

    poll_id: int
    closing: bool = False


async def _update_soon(session: AsyncSession, poll_id: int) -> None:
    """Queue the poll's Update a minute from now, unless one is queued already."""
    poll = await session.get(Poll, poll_id)
    if poll is None or poll.hide_totals:
        return
    due = utcnow() + UPDATE_DELAY
    marked = await session.scalar(dialect_of(session).insert_ignoring(
        PollUpdate, returning=[PollUpdate.poll_id]), {"poll_id": poll_id, "due_at": due})
    if marked is not None:
        await enqueue(session, SEND_POLL_UPDATE, PollUpdateJob(poll_id), run_at=due)


async def _poll_voted(session: AsyncSession, event: PollVoted) -> None:
    if not await any_remote(session):
        return
    voter = await session.get(Account, event.voter_id)
    author = await session.get(Account, event.author_id)
    if voter is None or author is None:
        return
    if voter.is_local and not author.is_local:
        await _send_votes(session, voter, author, event)
    elif author.is_local:
        await _update_soon(session, event.poll_id)


async def _poll_ended(session: AsyncSession, event: PollEnded) -> None:
    author = await session.get(Account, event.author_id)
    if author is not None and author.is_local and await any_remote(session):
        await enqueue(session, SEND_POLL_UPDATE, PollUpdateJob(event.poll_id, closing=True))


async def _send_update(ctx: JobContext, job: PollUpdateJob) -> None:
    """Render the post with its poll as it is now and queue its Update. The poll row is
    locked first: a vote being counted either is in this Update or queues the next one."""
    session = ctx.session
    poll = await session.scalar(select(Poll).where(Poll.id == job.poll_id).with_for_update())
    if poll is None:
        return
    marked = await session.execute(delete(PollUpdate).where(PollUpdate.poll_id == poll.id))
    if not job.closing and not getattr(marked, "rowcount", 0):
        return  # its close sent the counts already
    post = await session.get(Post, poll.post_id)
    rendered = await local_note(session, ctx.settings, post) if post is not None else None
    if post is None or rendered is None:
        return
    voters = await session.scalars(
        select(PollVote.account_id).distinct().join(Account, Account.id == PollVote.account_id)
        .where(PollVote.poll_id == poll.id, Account.domain.is_not(None)))
    inboxes = await post_inboxes(session, author_id=post.account_id,
                                 visibility=post.visibility,
                                 mentioned=[*rendered.addressed, *voters])
    activity = notes_out.update(rendered.note, iso_of(utcnow()) or "")
    await deliver(session, activity, inboxes, signer_id=post.account_id)


SEND_POLL_UPDATE = JobKind("federation.poll_update", PollUpdateJob, _send_update)
JOBS = (SEND_POLL_UPDATE,)
SUBSCRIBERS = (
    Subscriber(PollVoted, _poll_voted),
    Subscriber(PollEnded, _poll_ended),
)
