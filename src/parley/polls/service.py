"""Poll services: creating a post's poll (in the post's transaction), replacing it on an
edit, voting, and closing it when its time comes. Whether the viewer may see the poll's
post is decided by whoever has the post (posts' lookup, in the API handler): polls never
read posts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import Invalid, NotFound, ParleyError
from parley.events import record
from parley.events.polls import PollEnded, PollVoted
from parley.jobs.queue import enqueue
from parley.jobs.registry import JobContext, JobKind
from parley.lib.ids import new_id
from parley.lib.timefmt import as_utc, utcnow
from parley.polls.models import Poll, PollVote
from parley.polls.rules import PollSpec, ballot_problems

# A job that finds its poll due this soon closes it (clocks of processes differ a little).
_DUE_SLACK = timedelta(seconds=1)


async def create_poll(session: AsyncSession, *, poll_id: int, post_id: int, account_id: int,
                      spec: PollSpec) -> Poll:
    """The poll of a new post (its row is written: the poll's post_id refers to it), and
    the job that closes it at its time."""
    poll = Poll(id=poll_id, post_id=post_id, account_id=account_id, options=list(spec.options),
                counts=[0] * len(spec.options), multiple=spec.multiple,
                hide_totals=spec.hide_totals, votes_count=0, voters_count=0,
                expires_at=utcnow() + timedelta(seconds=spec.expires_in), ended_at=None,
                created_at=utcnow())
    session.add(poll)
    await session.flush()
    await close_at_its_time(session, poll)
    return poll


async def close_at_its_time(session: AsyncSession, poll: Poll) -> None:
    """The job that closes the poll at its end (one queued for an earlier end finds the
    poll moved and leaves it)."""
    await enqueue(session, CLOSE_POLL, PollDue(poll.id), run_at=as_utc(poll.expires_at))


async def replace_poll(session: AsyncSession, *, post_id: int, account_id: int,
                       current_id: int | None, spec: PollSpec | None) -> int | None:
    """An edited post's poll, as Mastodon edits it: no poll asked for removes it; other
    options (or a change between single and multiple choice) void the votes cast; the
    poll runs for its `expires_in` from now. Returns the post's poll id."""
    poll = await session.get(Poll, current_id) if current_id is not None else None
    if spec is None:
        if poll is not None:
            await session.delete(poll)
            await session.flush()
        return None
    if poll is None:
        return (await create_poll(session, poll_id=new_id(), post_id=post_id,
                                  account_id=account_id, spec=spec)).id
    if list(spec.options) != list(poll.options) or spec.multiple != poll.multiple:
        await session.execute(delete(PollVote).where(PollVote.poll_id == poll.id))
        poll.counts, poll.votes_count, poll.voters_count = [0] * len(spec.options), 0, 0
    poll.options, poll.multiple = list(spec.options), spec.multiple
    poll.hide_totals = spec.hide_totals
    poll.expires_at = utcnow() + timedelta(seconds=spec.expires_in)
    poll.ended_at = None
    await session.flush()
    await close_at_its_time(session, poll)  # the job queued for the old time finds it moved
    return poll.id


async def get_poll(session: AsyncSession, poll_id: int) -> Poll:
    poll = await session.get(Poll, poll_id)
    if poll is None:
        raise NotFound()
    return poll


def is_expired(poll: Poll) -> bool:
    return as_utc(poll.expires_at) <= utcnow()


async def vote(session: AsyncSession, *, poll_id: int, voter_id: int, choices: list[int],
               adding: bool = False) -> Poll:
    """Cast `voter_id`'s ballot, once, with the poll row locked (PostgreSQL: concurrent
    ballots and counts queue on it; SQLite has one writer anyway). Invalid with Mastodon's
    texts for an ended poll, an option that does not exist, one's own poll, a second ballot
    or several choices in a single-choice poll. `adding`: the voter may add choices to a
    multiple-choice ballot (a remote voter's server sends each choice alone); a voter is
    counted once. PollVoted tells who needs to know (federation)."""
    if not choices:
        raise ParleyError("param is missing or the value is empty: choices")
    poll = await session.scalar(select(Poll).where(Poll.id == poll_id).with_for_update()
                                .execution_options(populate_existing=True))
    if poll is None:
        raise NotFound()
    earlier = set((await session.scalars(select(PollVote.choice).where(
        PollVote.poll_id == poll.id, PollVote.account_id == voter_id))).all())
    voted = bool(earlier & set(choices)) if adding and poll.multiple else bool(earlier)
    errors = ballot_problems(choices=choices, option_count=len(poll.options),
                             multiple=poll.multiple, expired=is_expired(poll),
                             own=poll.account_id == voter_id, voted=voted)
    if errors:
        raise Invalid("Validation failed: " + ", ".join(errors))
    now = utcnow()
    votes = [PollVote(id=new_id(), poll_id=poll.id, account_id=voter_id, choice=choice,
                      created_at=now) for choice in choices]
    session.add_all(votes)
    counts = list(poll.counts)
    for choice in choices:
        counts[choice] += 1
    poll.counts = counts
    poll.votes_count += len(choices)
    poll.voters_count += 0 if earlier else 1
    await session.flush()
    await record(session, PollVoted(poll.id, poll.post_id, poll.account_id, voter_id,
                                    tuple(v.id for v in votes)))
    return poll


@dataclass(frozen=True)
class PollDue:
    """The poll whose time has come."""

    id: int


async def close_poll(ctx: JobContext, payload: PollDue) -> None:
    """Close a poll at its time: its author and voters hear of it (PollEnded). A poll gone
    with its post, closed already, or moved later by an edit is left alone."""
    session = ctx.session
    poll = await session.get(Poll, payload.id)
    if poll is None or poll.ended_at is not None:
        return
    if as_utc(poll.expires_at) > utcnow() + _DUE_SLACK:
        return
    poll.ended_at = utcnow()
    voters = (await session.scalars(
        select(PollVote.account_id).where(PollVote.poll_id == poll.id)
        .group_by(PollVote.account_id).order_by(PollVote.account_id))).all()
    await session.flush()
    await record(session, PollEnded(poll.id, poll.post_id, poll.account_id, tuple(voters)))


CLOSE_POLL = JobKind("close_poll", PollDue, close_poll)
JOBS = (CLOSE_POLL,)
