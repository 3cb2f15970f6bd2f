"""The "shown already" rule shared by every timeline of posts (home: timelines/, lists:
lists/, both above posts/): a timeline that already shows
a post, or another repost of it, does not get a new repost of it. Defined once as what a
timeline "shows" of an original; its two forms: SQL over a timeline table (the fan-out and the
list merges write by it) and Python over a page of rows (the home read's merged posts)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import ColumnElement

from parley.posts.models import Post
from parley.store.sql import alias_of

Column = ColumnElement[Any] | QueryableAttribute[Any]


def shows_post_or_repost(entries: type[Any], holder_column: str, holder: Column | int,
                         original_id: Column | int) -> ColumnElement[bool]:
    """`holder`'s timeline (rows of `entries`, owned through `holder_column`) already shows
    the original post or another repost of it."""
    prefix = entries.__tablename__
    entry, other = alias_of(entries, f"{prefix}_shown"), alias_of(Post, f"{prefix}_repost")
    owned = getattr(entry, holder_column) == holder
    # Two one-level EXISTS, so each correlates with the outer query. A repost is always newer
    # than its original: that bounds the scan of the timeline's entries to a short range.
    has_original = exists(select(entry.post_id).where(owned, entry.post_id == original_id))
    has_repost = exists(
        select(other.id)
        .join(entry, and_(entry.post_id == other.id, owned, entry.post_id > original_id))
        .where(other.repost_of_id == original_id))
    return or_(has_original, has_repost)


class Shown(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def repost_of_id(self) -> int | None: ...


R = TypeVar("R", bound=Shown)


def shows(post_ids: set[int], reposted: set[int], original_id: int) -> bool:
    """The rule on a timeline held in memory (`post_ids` it shows, the originals of the
    reposts among them): shows_post_or_repost's Python form."""
    return original_id in post_ids or original_id in reposted


def without_repeated_originals(rows: Sequence[R], *, kept: set[int]) -> list[R]:
    """A page with its reposts dropped that the rule would not have delivered: each repost,
    oldest first, against the page before it (an original counts whenever it is on the page:
    it is always older than its reposts). Rows in `kept` (written by the fan-out, which
    applied the rule on write) stay."""
    post_ids = {row.id for row in rows if row.repost_of_id is None}
    reposted: set[int] = set()
    dropped: set[int] = set()
    for row in sorted(rows, key=lambda row: row.id):
        original = row.repost_of_id
        if original is None:
            continue
        if row.id not in kept and shows(post_ids, reposted, original):
            dropped.add(row.id)
        reposted.add(original)
    return [row for row in rows if row.id not in dropped]
