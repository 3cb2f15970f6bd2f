"""The viewer's notifications as plain rows for the raw read path (store/rawsql): the rules of
notifications/service.py notification_conditions as SQL text (Selection, shared by the list,
one notification and the grouped reads), the list in one statement after one statement of
viewer context, and the senders and posts a page of notifications is rendered with."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from sqlalchemy import literal_column, union_all
from sqlalchemy.orm import aliased

from parley.accounts.models import Account
from parley.lib.ids import MAX_ID
from parley.lib.paging import Page
from parley.notifications.models import NOTIFICATION_TYPES
from parley.notifications.service import NotificationFilter
from parley.posts.rows import ACCOUNT_COLUMNS, AccountRow, PostRow, RowBatch, ids_of
from parley.posts.visibility import visible_condition
from parley.social.exclusions import DOMAIN_EDGE, edge_holds, hidden_from
from parley.store.rawsql import Fragment, Reader, Sql, param, reader_now

# Who the viewer hears nothing from (social/exclusions.py with mutes="notifications"): blocks
# both ways and active mutes of notifications (0); whether they block domains (1) and have
# filters (2).
_HIDDEN = Fragment(lambda: union_all(*[
    part.with_only_columns(literal_column("0"), *part.selected_columns)
    for part in hidden_from(param("viewer"), param("now"), mutes="notifications")]))
_CONTEXT = Sql(
    f"{_HIDDEN} "
    "UNION ALL SELECT 1, COUNT(*) FROM account_domain_blocks WHERE account_id = :viewer "
    "UNION ALL SELECT 2, COUNT(*) FROM filters WHERE account_id = :viewer")
_SENDER = aliased(Account, name="a")
_SENDER_DOMAIN_BLOCKED = Fragment(lambda: edge_holds(DOMAIN_EDGE, param("viewer"), _SENDER.domain),
                                  over=lambda: [_SENDER])
# Every statement reads `n` with its sender `a` (whose domain the domain blocks match).
NOTIFICATIONS_FROM = "notifications n LEFT JOIN accounts a ON a.id = n.from_account_id"
NOTIFICATION_COLUMNS = ("n.id, n.type, n.created_at, n.group_key, n.from_account_id, "
                        "n.post_id, n.report_id")
# NotificationRow's columns; in the list, the sender's AccountRow follows.
NOTIFICATION_WIDTH = 7


class NotificationRow(NamedTuple):
    id: int
    type: str
    created_at: Any
    group_key: str | None
    from_account_id: int
    post_id: int | None
    report_id: int | None


def notification_row_of(notification: Any) -> NotificationRow:
    """An ORM Notification (or anything with its attributes) as a NotificationRow."""
    n = notification
    return NotificationRow(n.id, n.type, n.created_at, n.group_key, n.from_account_id,
                           n.post_id, n.report_id)


@dataclass(frozen=True)
class Shape:
    """What varies in the text of the conditions: each shape's statements are built once."""

    domain_blocks: bool
    unfiltered_only: bool
    types: tuple[str, ...] | None
    exclude: tuple[str, ...]
    from_account: bool
    group_key: bool = False  # one group's: :group_key
    notification: bool = False  # one notification: :notification


@functools.lru_cache(maxsize=256)
def where_sql(shape: Shape) -> str:
    """notification_conditions for :viewer, between :lower and :upper (exclusive), with
    :hidden (the context's hidden senders), :from_account, :group_key and :notification."""
    where = ["n.account_id = :viewer", "n.id < :upper", "n.id > :lower",
             "NOT (n.from_account_id IN_IDS(:hidden))",
             # _post_visible: a notification about a post the viewer can no longer see.
             f"(n.post_id IS NULL OR EXISTS (SELECT 1 FROM posts p WHERE p.id = n.post_id "
             f"AND {visible_condition('p')}))"]
    if shape.domain_blocks:
        where.append(f"NOT {_SENDER_DOMAIN_BLOCKED}")
    if shape.unfiltered_only:
        where.append("NOT n.filtered")
    # Type names are written into the text: only known names (NOTIFICATION_TYPES) get here.
    if shape.types is not None:
        where.append(f"n.type IN ({', '.join(repr(name) for name in shape.types)})")
    if shape.exclude:
        where.append(f"n.type NOT IN ({', '.join(repr(name) for name in shape.exclude)})")
    if shape.from_account:
        where.append("n.from_account_id = :from_account")
    if shape.group_key:
        where.append("n.group_key = :group_key")
    if shape.notification:
        where.append("n.id = :notification")
    return " AND ".join(where)


@functools.lru_cache(maxsize=256)
def _list_sql(shape: Shape, ascending: bool) -> Sql:
    return Sql(f"SELECT {NOTIFICATION_COLUMNS}, {ACCOUNT_COLUMNS} FROM {NOTIFICATIONS_FROM} "
               f"WHERE {where_sql(shape)} "
               f"ORDER BY n.id {'ASC' if ascending else 'DESC'} LIMIT :limit")


def known_types(names: Any) -> tuple[str, ...]:
    return tuple(sorted(set(names) & set(NOTIFICATION_TYPES)))


def matches_nothing(filters: NotificationFilter) -> bool:
    """Only unknown types asked for: they match nothing (no statement is needed)."""
    return bool(filters.types) and not known_types(filters.types)


@dataclass(frozen=True)
class Selection:
    """Which of the viewer's notifications a read covers: the shape of its conditions and
    their parameters (the viewer context read once per request)."""

    shape: Shape
    params: dict[str, Any]

    def narrowed(self, *, group_key: str | None = None, notification_id: int | None = None
                 ) -> Selection:
        """Only one group's notifications, or only one notification."""
        shape = replace(self.shape, group_key=group_key is not None,
                        notification=notification_id is not None)
        return Selection(shape, {**self.params, "group_key": group_key,
                                 "notification": notification_id})

    def bounded(self, *, upper: int | None = None, lower: int | None = None, **more: Any
                ) -> dict[str, Any]:
        """The parameters with the id range (None: unbounded) and any others."""
        return {**self.params, "upper": MAX_ID if upper is None else upper,
                "lower": lower or 0, **more}

    def paged(self, page: Page) -> dict[str, Any]:
        return self.bounded(upper=page.max_id, lower=max(page.since_id or 0, page.min_id or 0),
                            limit=page.limit)


async def select_notifications(batch: RowBatch, viewer_id: int, filters: NotificationFilter
                               ) -> Selection:
    """The Selection of the viewer's notifications that `filters` let through, after one
    statement of viewer context, which also tells the batch whether the viewer has filters.
    Callers first check matches_nothing(filters)."""
    hidden: list[int] = []
    domain_blocks = False
    for kind, value in await batch.reader.fetch(
            _CONTEXT, {"viewer": viewer_id, "now": reader_now(batch.reader)}):
        if kind == 0:
            hidden.append(value)
        elif kind == 1:
            domain_blocks = bool(value)
        else:
            batch.has_filters = bool(value)
    shape = Shape(domain_blocks, not filters.include_filtered and filters.from_account_id is None,
                  known_types(filters.types) if filters.types else None,
                  known_types(filters.exclude_types), filters.from_account_id is not None)
    return Selection(shape, {"viewer": viewer_id, "hidden": hidden,
                             "from_account": filters.from_account_id})


@dataclass
class NotificationPage:
    """A page of notifications (newest first), the senders' accounts (None: gone), the post
    each is about (a repost's original for a repost), and the batch that loaded them."""

    rows: list[NotificationRow]
    batch: RowBatch
    senders: dict[int, AccountRow | None] = field(default_factory=dict)
    subjects: dict[int, PostRow] = field(default_factory=dict)


async def selected_rows(selection: Selection, batch: RowBatch, page: Page
                        ) -> NotificationPage:
    """A page of the selected notifications with their senders (subjects not loaded)."""
    found = await batch.reader.fetch(_list_sql(selection.shape, page.ascending),
                                     selection.paged(page))
    result = NotificationPage([], batch)
    width = NOTIFICATION_WIDTH
    for row in page.arrange(found):
        notification = NotificationRow(*row[:width])
        result.rows.append(notification)
        result.senders[notification.from_account_id] = (
            AccountRow(*row[width:]) if row[width] is not None else None)
    return result


async def notification_rows(reader: Reader, *, viewer_id: int, filters: NotificationFilter,
                            page: Page, notification_id: int | None = None
                            ) -> NotificationPage:
    """list_notifications on the raw read path (only `notification_id` when given), with
    what rendering needs loaded."""
    batch = RowBatch(reader, viewer_id)
    if matches_nothing(filters):
        return NotificationPage([], batch)
    selection = await select_notifications(batch, viewer_id, filters)
    if notification_id is not None:
        selection = selection.narrowed(notification_id=notification_id)
    result = await selected_rows(selection, batch, page)
    await load_subjects(result)
    return result


async def notification_by_id(reader: Reader, *, viewer_id: int, notification_id: int
                             ) -> NotificationPage:
    """One of the viewer's notifications (held back by the policy or not) with what
    rendering needs, if the viewer may see it; else an empty page."""
    return await notification_rows(reader, viewer_id=viewer_id, page=Page(limit=1),
                                   filters=NotificationFilter(include_filtered=True),
                                   notification_id=notification_id)


async def notification_page(reader: Reader, viewer_id: int, rows: Sequence[NotificationRow]
                            ) -> NotificationPage:
    """Given notifications (the publisher's new ones, an ORM caller's) with their senders
    and subjects loaded, ready to render."""
    page = NotificationPage(list(rows), RowBatch(reader, viewer_id))
    await page.batch.load_accounts(n.from_account_id for n in rows)
    page.senders = {n.from_account_id: page.batch.accounts.get(n.from_account_id)
                    for n in rows}
    await load_subjects(page)
    return page


async def load_subjects(result: NotificationPage) -> None:
    """The post each notification is about, or for a repost the post that was reposted."""
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
