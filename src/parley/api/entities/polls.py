"""Poll entities (Mastodon's Poll), from the read model's poll rows."""

from __future__ import annotations

from typing import Any

from parley.polls.rows import PollBatch, PollRow
from parley.store.rawsql import iso_of


def poll_entity(poll: PollRow, own_votes: list[int], viewer_id: int | None) -> dict[str, Any]:
    """A Poll as `viewer_id` sees it: counts per option hidden until the end when the
    author asked so; `voted` is true for its author, as in Mastodon (who cannot vote and
    sees the results)."""
    shown = poll.totals_shown
    entity: dict[str, Any] = {
        "id": str(poll.id),
        "expires_at": iso_of(poll.ends_at),  # null: a remote poll without an end
        "expired": poll.expired,
        "multiple": poll.multiple,
        "votes_count": poll.votes_count,
        "voters_count": poll.voters_count,
        "options": [{"title": title, "votes_count": count if shown else None}
                    for title, count in zip(poll.options, poll.counts, strict=False)],
        "emojis": [],
    }
    if viewer_id is not None:
        entity["voted"] = viewer_id == poll.account_id or bool(own_votes)
        entity["own_votes"] = list(own_votes)
    return entity


def batch_poll(batch: PollBatch, poll_id: int | None, viewer_id: int | None
               ) -> dict[str, Any] | None:
    """The Poll of a post from a loaded batch (None: the post has none)."""
    poll = batch.polls.get(poll_id) if poll_id is not None else None
    if poll is None:
        return None
    return poll_entity(poll, batch.own_votes.get(poll.id, []), viewer_id)
