"""Events of polls: a ballot was cast, a poll has ended."""

from __future__ import annotations

from dataclasses import dataclass

from parley.events import Event


@dataclass(frozen=True)
class PollEnded(Event):
    """The poll of post `post_id` by `author_id` has closed: its author and `voter_ids`
    should hear of the results."""

    poll_id: int
    post_id: int
    author_id: int
    voter_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class PollVoted(Event):
    """`voter_id` chose options in the poll of post `post_id` by `author_id`: `vote_ids`
    are the choices just recorded (PollVote rows)."""

    poll_id: int
    post_id: int
    author_id: int
    voter_id: int
    vote_ids: tuple[int, ...] = ()
