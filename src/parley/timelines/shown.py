"""The repost rule shared by home and list timelines: a timeline that already shows a post,
or another repost of it, does not get a new repost of it."""

from __future__ import annotations

from typing import Any

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
