"""Polls of other servers' posts: kept with the options, counts, voters and end their server
gives, refreshed by its later word (new counts, an early close, other options), and closed
here at their time like local ones (local voters hear of it). Their server counts the votes:
a local ballot counts here at once, and the server's next word replaces the counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.lib.timefmt import as_utc, utcnow
from parley.polls.models import Poll, PollVote
from parley.polls.rules import OPEN_ENDED
from parley.polls.service import close_at_its_time


@dataclass(frozen=True)
class RemotePoll:
    """A poll as its server describes it. `voters_count` None: the server does not say
    (Misskey, Pleroma); `expires_at` None: it gives no end (kept as OPEN_ENDED)."""

    options: tuple[str, ...]
    counts: tuple[int, ...]
    multiple: bool
    expires_at: datetime | None
    closed: bool = False
    voters_count: int | None = None

    def end(self) -> datetime:
        """Its end: the one given; now at the latest once it is closed."""
        now = utcnow()
        if self.closed:
            return min(as_utc(self.expires_at), now) if self.expires_at else now
        return as_utc(self.expires_at) if self.expires_at else OPEN_ENDED

    def voters(self) -> int:
        """Voters as told; when untold, the votes (exact for a single-choice poll)."""
        return self.voters_count if self.voters_count is not None else sum(self.counts)


def _counts(poll: Poll, remote: RemotePoll) -> None:
    poll.counts = list(remote.counts)
    poll.votes_count, poll.voters_count = sum(remote.counts), remote.voters()


async def create_remote_poll(session: AsyncSession, *, poll_id: int, post_id: int,
                             account_id: int, remote: RemotePoll) -> Poll:
    """The poll of a remote post being stored (the post's row is written first), and the
    job that closes it at its end. One ended already (an old thread fetched) is stored
    closed: nobody here voted in it, so nobody is told."""
    now, end = utcnow(), remote.end()
    poll = Poll(id=poll_id, post_id=post_id, account_id=account_id,
                options=list(remote.options), counts=[], multiple=remote.multiple,
                hide_totals=False, expires_at=end, created_at=now,
                ended_at=now if end <= now else None)
    _counts(poll, remote)
    session.add(poll)
    await session.flush()
    if poll.ended_at is None and end < OPEN_ENDED:
        await close_at_its_time(session, poll)
    return poll


async def refresh_remote_poll(session: AsyncSession, *, poll_id: int, remote: RemotePoll
                              ) -> Poll | None:
    """Its server's later word (an Update): the counts, voters and end it gives now. Other
    options (or single and multiple choice swapped) void the votes cast here, as a local
    edit does; an end moved (closed early, or later) is closed at its new time."""
    poll = await session.scalar(select(Poll).where(Poll.id == poll_id).with_for_update()
                                .execution_options(populate_existing=True))
    if poll is None:
        return None
    if list(remote.options) != list(poll.options) or remote.multiple != poll.multiple:
        await session.execute(delete(PollVote).where(PollVote.poll_id == poll.id))
        poll.options, poll.multiple = list(remote.options), remote.multiple
    _counts(poll, remote)
    end = remote.end()
    moved = end != as_utc(poll.expires_at)
    poll.expires_at = end
    await session.flush()
    if moved and poll.ended_at is None and end < OPEN_ENDED:
        await close_at_its_time(session, poll)
    return poll
