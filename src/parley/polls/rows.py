"""Polls as plain rows for the raw read path: a page's polls and the viewer's own votes
in one statement (the read model's one related load for polls, posts/rows.py RowBatch)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from parley.lib.timefmt import as_utc, utcnow
from parley.polls.rules import OPEN_ENDED
from parley.store.rawsql import Reader, Sql, json_of

# The polls (kind 0) and the viewer's chosen options in them (kind 1).
POLLS_RELATED = Sql(
    "SELECT 0, id, options, counts, multiple, hide_totals, votes_count, voters_count, "
    "expires_at, account_id FROM polls WHERE id IN_IDS(:ids) "
    "UNION ALL SELECT 1, poll_id, NULL, NULL, NULL, NULL, choice, NULL, NULL, NULL "
    "FROM poll_votes WHERE account_id = :viewer AND poll_id IN_IDS(:ids)")


def moment(value: datetime | str) -> datetime:
    """A timestamp column as read: a datetime, or SQLite's stored text (always UTC)."""
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return as_utc(value)


class PollRow(NamedTuple):
    id: int
    options: list[str]
    counts: list[int]
    multiple: bool
    hide_totals: bool
    votes_count: int
    voters_count: int
    expires_at: datetime
    account_id: int

    @property
    def expired(self) -> bool:
        return self.expires_at <= utcnow()

    @property
    def ends_at(self) -> datetime | None:
        """When it ends; None for a remote poll without an end (rules.OPEN_ENDED)."""
        return None if self.expires_at >= OPEN_ENDED else self.expires_at

    @property
    def totals_shown(self) -> bool:
        """Counts per option are hidden until the end when the author asked so."""
        return self.expired or not self.hide_totals


@dataclass
class PollBatch:
    """Polls by id and the viewer's chosen options in each (sorted)."""

    polls: dict[int, PollRow] = field(default_factory=dict)
    own_votes: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))

    async def load(self, reader: Reader, poll_ids: Iterable[int], viewer: int) -> None:
        wanted = [i for i in set(poll_ids) if i not in self.polls]
        if not wanted:
            return
        rows: list[Any] = list(await reader.fetch(POLLS_RELATED,
                                                  {"ids": wanted, "viewer": viewer}))
        for kind, poll_id, options, counts, multiple, hide, votes, voters, expires, author \
                in rows:
            if kind == 0:
                self.polls[poll_id] = PollRow(
                    poll_id, list(json_of(options)), list(json_of(counts)), bool(multiple),
                    bool(hide), votes, voters, moment(expires), author)
            else:
                self.own_votes[poll_id].append(votes)
        for choices in self.own_votes.values():
            choices.sort()
