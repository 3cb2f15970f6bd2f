"""Polls as ActivityPub carries them: a local poll's Question (Mastodon's shape, read back by
Parley's own parser as it reads Mastodon's), a local vote's Create, and a received Question
read into a remote poll (its end and voters when its server gives none)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from parley.federation import parse
from parley.federation.notes_out import question
from parley.federation.polls_in import remote_poll
from parley.federation.polls_out import vote
from parley.lib.timefmt import utcnow
from parley.polls.remote import RemotePoll
from parley.polls.rows import PollRow
from parley.polls.rules import OPEN_ENDED
from unit.test_federation_parse import embedded

AUTHOR = "https://a.example/users/alice"
POST = f"{AUTHOR}/statuses/1"
VOTER = "https://b.example/users/bob"


def _row(*, multiple: bool = False, hide: bool = False, expires_at: datetime | None = None
         ) -> PollRow:
    ends = expires_at or utcnow() + timedelta(hours=1)
    return PollRow(7, ["tea", "coffee", "water"], [3, 1, 0], multiple, hide, 4, 3, ends, 1)


def _note(poll: PollRow) -> dict[str, Any]:
    return {"id": POST, "type": "Note", "attributedTo": AUTHOR, "content": "<p>Which?</p>",
            **question(poll)}


def test_a_single_choice_poll_is_a_question_with_one_of() -> None:
    poll = _row()
    document = question(poll)
    assert document["type"] == "Question" and "anyOf" not in document
    assert document["oneOf"] == [
        {"type": "Note", "name": "tea", "replies": {"type": "Collection", "totalItems": 3}},
        {"type": "Note", "name": "coffee", "replies": {"type": "Collection", "totalItems": 1}},
        {"type": "Note", "name": "water", "replies": {"type": "Collection", "totalItems": 0}}]
    assert document["votersCount"] == 3 and "closed" not in document
    assert parse.published(document["endTime"]) == poll.expires_at.replace(
        microsecond=poll.expires_at.microsecond // 1000 * 1000)


def test_a_multiple_choice_poll_uses_any_of_and_an_ended_one_is_closed() -> None:
    ended = utcnow() - timedelta(minutes=1)
    document = question(_row(multiple=True, expires_at=ended))
    assert "oneOf" not in document and [o["name"] for o in document["anyOf"]] == [
        "tea", "coffee", "water"]
    assert document["closed"] == document["endTime"]


def test_hidden_totals_are_not_sent_until_the_end() -> None:
    hidden = question(_row(hide=True))
    assert [o["replies"]["totalItems"] for o in hidden["oneOf"]] == [None, None, None]
    shown = question(_row(hide=True, expires_at=utcnow() - timedelta(seconds=1)))
    assert [o["replies"]["totalItems"] for o in shown["oneOf"]] == [3, 1, 0]


def test_a_question_of_parley_reads_back_as_the_poll_it_was() -> None:
    poll = _row(multiple=True)
    read = parse.note(_note(poll))
    assert read.note_type == "Question" and read.poll is not None and not read.is_vote
    kept = remote_poll(read.poll)
    assert kept is not None
    assert (kept.options, kept.counts, kept.multiple, kept.voters_count, kept.closed) == (
        ("tea", "coffee", "water"), (3, 1, 0), True, 3, False)
    assert abs((kept.end() - poll.expires_at).total_seconds()) < 0.001


def test_a_vote_is_a_create_of_a_named_note_for_the_author_alone() -> None:
    activity = vote(42, VOTER, "coffee", POST, AUTHOR)
    assert activity["type"] == "Create" and activity["actor"] == VOTER
    assert activity["id"] == f"{VOTER}#votes/42/activity" and activity["to"] == [AUTHOR]
    assert "@context" in activity and "cc" not in activity
    assert activity["object"] == {"id": f"{VOTER}#votes/42", "type": "Note", "name": "coffee",
                                  "attributedTo": VOTER, "inReplyTo": POST, "to": [AUTHOR]}
    read = parse.note(activity["object"])
    assert read.is_vote and read.name == "coffee" and read.in_reply_to == POST
    assert parse.activity(activity).object_id == f"{VOTER}#votes/42"


def test_mastodons_vote_reads_as_a_vote() -> None:
    read = parse.note(embedded("mastodon/create_vote.json"))
    assert read.is_vote and read.name == "Coffee" and read.content == ""


@pytest.mark.parametrize("name", ["mastodon/create_question.json",
                                  "gotosocial/create_question.json",
                                  "misskey/create_question.json",
                                  "pleroma/create_question.json"])
def test_received_questions_become_remote_polls(name: str) -> None:
    read = parse.note(embedded(name))
    kept = remote_poll(read.poll)
    assert kept is not None and read.poll is not None
    assert kept.counts == tuple(o.votes for o in read.poll.options)
    # Recorded in 2024: each has ended; voters untold are counted as votes.
    assert kept.end() <= utcnow()
    assert kept.voters() == (read.poll.voters_count if read.poll.voters_count is not None
                             else sum(kept.counts))


def test_a_poll_without_an_end_stays_open_and_a_closed_one_ends_by_now() -> None:
    open_ended = RemotePoll(("a", "b"), (1, 2), False, None)
    assert open_ended.end() == OPEN_ENDED and open_ended.voters() == 3
    assert PollRow(1, ["a", "b"], [1, 2], False, False, 3, 3, OPEN_ENDED, 1).ends_at is None
    later = datetime.now(UTC) + timedelta(days=1)
    closed_early = RemotePoll(("a", "b"), (1, 2), True, later, closed=True, voters_count=2)
    assert closed_early.end() <= utcnow() and closed_early.voters() == 2
    assert RemotePoll(("a", "b"), (0, 0), False, None, closed=True).end() <= utcnow()
    assert remote_poll(None) is None
