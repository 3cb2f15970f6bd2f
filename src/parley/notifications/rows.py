"""The viewer's notifications as plain rows for the raw read path (lib/rawsql): the same rules
as notifications/service.py list_notifications (notification_conditions), in one statement
after one statement of viewer context."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from parley.lib.paging import Page
from parley.lib.rawsql import Reader, Sql, reader_now
from parley.notifications.models import NOTIFICATION_TYPES
from parley.notifications.service import NotificationFilter
from parley.posts.rows import ACCOUNT_COLUMNS, VISIBLE_SQL, AccountRow, PostRow, RowBatch, ids_of

MAX_ID = (1 << 63) - 1
# Who the viewer hears nothing from (account_hidden with mutes="notifications"): blocks both
# ways and active mutes of notifications (0); whether they block domains (1) and have
# filters (2).
_CONTEXT = Sql(
    "SELECT 0, target_account_id FROM blocks WHERE account_id = :viewer "
    "UNION ALL SELECT 0, account_id FROM blocks WHERE target_account_id = :viewer "
    "UNION ALL SELECT 0, target_account_id FROM mutes WHERE account_id = :viewer "
    "AND notifications AND (expires_at IS NULL OR expires_at > :now) "
    "UNION ALL SELECT 1, COUNT(*) FROM account_domain_blocks WHERE account_id = :viewer "
    "UNION ALL SELECT 2, COUNT(*) FROM filters WHERE account_id = :viewer")
_WIDTH = 7  # NotificationRow's columns; the sender's AccountRow follows


class NotificationRow(NamedTuple):
    id: int
    type: str
    created_at: Any
    group_key: str | None
    from_account_id: int
    post_id: int | None
    report_id: int | None


@dataclass(frozen=True)
class _Shape:
    """What varies between statements: each shape is built once."""

    ascending: bool
    domain_blocks: bool
    unfiltered_only: bool
    types: tuple[str, ...] | None
    exclude: tuple[str, ...]
    from_account: bool


@functools.lru_cache(maxsize=256)
def _list_sql(shape: _Shape) -> Sql:
    where = ["n.account_id = :viewer", "n.id < :upper", "n.id > :lower",
             "NOT (n.from_account_id IN_IDS(:hidden))",
             # _post_visible: a notification about a post the viewer can no longer see.
             f"(n.post_id IS NULL OR EXISTS (SELECT 1 FROM posts p WHERE p.id = n.post_id "
             f"AND {VISIBLE_SQL} = 1))"]
    if shape.domain_blocks:
        where.append("NOT EXISTS (SELECT 1 FROM account_domain_blocks d "
                     "WHERE d.account_id = :viewer AND d.domain = a.domain)")
    if shape.unfiltered_only:
        where.append("NOT n.filtered")
    # Type names are written into the text: only known names (NOTIFICATION_TYPES) get here.
    if shape.types is not None:
        where.append(f"n.type IN ({', '.join(repr(name) for name in shape.types)})")
    if shape.exclude:
        where.append(f"n.type NOT IN ({', '.join(repr(name) for name in shape.exclude)})")
    if shape.from_account:
        where.append("n.from_account_id = :from_account")
    return Sql("SELECT n.id, n.type, n.created_at, n.group_key, n.from_account_id, "
               f"n.post_id, n.report_id, {ACCOUNT_COLUMNS} FROM notifications n "
               "LEFT JOIN accounts a ON a.id = n.from_account_id "
               f"WHERE {' AND '.join(where)} "
               f"ORDER BY n.id {'ASC' if shape.ascending else 'DESC'} LIMIT :limit")


@dataclass
class NotificationPage:
    """A page of notifications (newest first), the senders' accounts (None: gone), the post
    each is about (a repost's original for a repost), and the batch that loaded them."""

    rows: list[NotificationRow]
    batch: RowBatch
    senders: dict[int, AccountRow | None] = field(default_factory=dict)
    subjects: dict[int, PostRow] = field(default_factory=dict)


def _known(names: Any) -> tuple[str, ...]:
    return tuple(sorted(set(names) & set(NOTIFICATION_TYPES)))


async def notification_rows(reader: Reader, *, viewer_id: int, filters: NotificationFilter,
                            page: Page) -> NotificationPage:
    """list_notifications on the raw read path, with what rendering needs loaded."""
    batch = RowBatch(reader, viewer_id)
    result = NotificationPage([], batch)
    types = _known(filters.types) if filters.types else None
    if types == ():
        return result  # only unknown types asked for: they match nothing
    hidden: list[int] = []
    domain_blocks = False
    now = reader_now(reader)
    for kind, value in await reader.fetch(_CONTEXT, {"viewer": viewer_id, "now": now}):
        if kind == 0:
            hidden.append(value)
        elif kind == 1:
            domain_blocks = bool(value)
        else:
            batch.has_filters = bool(value)
    shape = _Shape(page.ascending, domain_blocks,
                   not filters.include_filtered and filters.from_account_id is None,
                   types, _known(filters.exclude_types), filters.from_account_id is not None)
    found = await reader.fetch(_list_sql(shape), {
        "viewer": viewer_id, "hidden": hidden, "limit": page.limit,
        "upper": page.max_id if page.max_id is not None else MAX_ID,
        "lower": max(page.since_id or 0, page.min_id or 0),
        "from_account": filters.from_account_id})
    for row in page.arrange(found):
        notification = NotificationRow(*row[:_WIDTH])
        result.rows.append(notification)
        result.senders[notification.from_account_id] = (
            AccountRow(*row[_WIDTH:]) if row[_WIDTH] is not None else None)
    await load_subjects(result)
    return result


async def load_subjects(result: NotificationPage) -> None:
    """subject_posts' rule: the post, or for a repost the post that was reposted."""
    batch = result.batch
    await batch.load_posts(ids_of(n.post_id for n in result.rows))
    await batch.load_posts(ids_of(batch.posts[i].repost_of_id
                                  for i in ids_of(n.post_id for n in result.rows)
                                  if i in batch.posts))
    for n in result.rows:
        post = batch.posts.get(n.post_id) if n.post_id is not None else None
        if post is not None and post.repost_of_id is not None:
            post = batch.posts.get(post.repost_of_id)
        if post is not None:
            result.subjects[n.id] = post
