"""Grouped notifications (Mastodon 4.3, /api/v2/notifications): pages of groups, each with its
count, newest notification and a sample of the people in it; one group, its people, dismissal.

The reads are on the raw read path (store/rawsql), with the conditions of notifications/rows.py;
dismissal (a write) and the unread count (beside the marker) go through the ORM.
A page holds `limit` groups, each represented by its newest notification under the cursor;
the Link cursors are those representatives' ids, as in Mastodon. Counts and samples cover
the whole group up to the page's upper bound; page_min_id/page_max_id only the page's range.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, case, cast, delete, func, literal, null, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from parley.errors import NotFound
from parley.lib.paging import Page
from parley.notifications.grouping import GROUPABLE_TYPES
from parley.notifications.markers import notifications_read_up_to
from parley.notifications.models import Notification
from parley.notifications.rows import (
    MAX_ID,
    NOTIFICATION_COLUMNS,
    NOTIFICATION_WIDTH,
    NOTIFICATIONS_FROM,
    NotificationRow,
    Selection,
    Shape,
    matches_nothing,
    select_notifications,
    selected_rows,
    where_sql,
)
from parley.notifications.service import NotificationFilter, notification_conditions
from parley.posts.rows import AccountRow, RowBatch
from parley.store.rawsql import Reader, Sql

SAMPLE_ACCOUNTS = 8
UNGROUPED = "ungrouped-"
MAX_KEY_LENGTH = 96


@dataclass
class Group:
    """One notification group as a page shows it."""

    key: str
    notification: NotificationRow  # its type and post stand for the group
    count: int = 1
    most_recent_id: int = 0
    sample_account_ids: list[int] = field(default_factory=list)
    page_min_id: int | None = None
    page_max_id: int | None = None
    latest_page_at: datetime | str | None = None


@dataclass
class GroupPage:
    groups: list[Group]
    cursors: list[int]  # the representatives' ids, newest first: the Link header's cursors
    batch: RowBatch  # what the reads loaded, for rendering


def _grouped_types(grouped_types: Sequence[str] | None) -> tuple[str, ...]:
    """The types grouped on this read (a client may group fewer than Parley does)."""
    if grouped_types is None:
        return GROUPABLE_TYPES
    return tuple(sorted(set(grouped_types) & set(GROUPABLE_TYPES)))


def _key_sql(types: tuple[str, ...]) -> str:
    """A notification's group key, or NULL when it is a group of its own (not groupable,
    or its type is not among the grouped types). Only known names are written in."""
    if not types:
        return "NULL"
    return (f"CASE WHEN n.type IN ({', '.join(repr(name) for name in types)}) "
            "THEN n.group_key END")


@functools.lru_cache(maxsize=256)
def _walk_sql(shape: Shape, types: tuple[str, ...], ascending: bool) -> Sql:
    """The next notifications from a cursor with their group key, leaving out the groups
    whose representatives (:found) are already taken."""
    key = _key_sql(types)
    # A group key names one type and target, so the representatives' keys are the keys.
    taken = (f" AND ({key} IS NULL OR n.group_key NOT IN (SELECT r.group_key "
             "FROM notifications r WHERE r.id IN_IDS(:found)))") if types else ""
    return Sql(f"SELECT {NOTIFICATION_COLUMNS}, {key} FROM {NOTIFICATIONS_FROM} "
               f"WHERE {where_sql(shape)}{taken} "
               f"ORDER BY n.id {'ASC' if ascending else 'DESC'} LIMIT :limit")


def _in_range(column: str) -> str:
    return f"CASE WHEN n.id >= :low THEN {column} END"


@functools.lru_cache(maxsize=256)
def _groups_sql(shape: Shape) -> Sql:
    """For the groups of the representatives :reps, up to :upper: each group's count and
    newest id, its page range (ids from :low) and its newest SAMPLE_ACCOUNTS people, one
    row per person (the group's figures repeated on each)."""
    whole = "OVER (PARTITION BY n.group_key)"
    return Sql(
        "SELECT k, account_id, total, newest, lowest, highest, latest FROM ("
        "SELECT n.group_key AS k, n.from_account_id AS account_id, "
        f"SUM(COUNT(*)) {whole} AS total, MAX(MAX(n.id)) {whole} AS newest, "
        f"MIN(MIN({_in_range('n.id')})) {whole} AS lowest, "
        f"MAX(MAX({_in_range('n.id')})) {whole} AS highest, "
        f"MAX(MAX({_in_range('n.created_at')})) {whole} AS latest, "
        "ROW_NUMBER() OVER (PARTITION BY n.group_key ORDER BY MAX(n.id) DESC) AS place "
        f"FROM {NOTIFICATIONS_FROM} WHERE {where_sql(shape)} AND n.group_key IN "
        "(SELECT r.group_key FROM notifications r WHERE r.id IN_IDS(:reps)) "
        "GROUP BY n.group_key, n.from_account_id) g "
        f"WHERE place <= {SAMPLE_ACCOUNTS} ORDER BY k, place")


async def _representatives(selection: Selection, batch: RowBatch, types: tuple[str, ...],
                           page: Page) -> list[tuple[NotificationRow, str]]:
    """Walk the notifications from the cursor until `page.limit` groups are found; groups
    already found are excluded in SQL, so a 10,000-like group costs one row, not 10,000."""
    size = max(page.limit * 2, 40)
    statement = _walk_sql(selection.shape, types, page.ascending)
    upper, lower = page.max_id, max(page.since_id or 0, page.min_id or 0)
    found: dict[str, NotificationRow] = {}
    while len(found) < page.limit:
        taken = [n.id for name, n in found.items() if not name.startswith(UNGROUPED)]
        rows = await batch.reader.fetch(statement, selection.bounded(
            upper=upper, lower=lower, limit=size, found=taken))
        for row in rows:
            notification = NotificationRow(*row[:NOTIFICATION_WIDTH])
            name = row[NOTIFICATION_WIDTH] or f"{UNGROUPED}{notification.id}"
            if name not in found and len(found) < page.limit:
                found[name] = notification
        if len(rows) < size:
            break
        if page.ascending:
            lower = rows[-1][0]
        else:
            upper = rows[-1][0]
    return page.arrange([(notification, name) for name, notification in found.items()])


def _page_range(ids: list[int], page: Page, complete: bool) -> tuple[int, int | None]:
    """(lowest, highest or None: unbounded) notification id the page's groups cover."""
    high: int | None = ids[0]
    low = ids[-1]
    if not complete:  # the last page in its direction reaches to the end of the list
        if page.ascending:
            high = page.max_id - 1 if page.max_id is not None else None
        else:
            low = page.since_id + 1 if page.since_id is not None else 0
    return low, high


async def _fill_groups(selection: Selection, batch: RowBatch, groups: dict[str, Group],
                       low: int | None, high: int | None) -> None:
    """Counts, newest ids and sample accounts (up to `high`), page ranges (low..high), in
    one statement."""
    if not groups:
        return
    rows = await batch.reader.fetch(_groups_sql(selection.shape), selection.bounded(
        upper=None if high is None else high + 1, low=MAX_ID if low is None else low,
        reps=[group.notification.id for group in groups.values()]))
    for key, account_id, total, newest, lowest, highest, latest in rows:
        group = groups[key]
        group.count, group.most_recent_id = int(total), int(newest)
        group.sample_account_ids.append(account_id)
        if low is not None and lowest is not None:
            group.page_min_id, group.page_max_id = lowest, highest
            group.latest_page_at = latest


def _single(notification: NotificationRow, name: str) -> Group:
    return Group(key=name, notification=notification, count=1,
                 most_recent_id=notification.id,
                 sample_account_ids=[notification.from_account_id],
                 page_min_id=notification.id, page_max_id=notification.id,
                 latest_page_at=notification.created_at)


async def list_groups(reader: Reader, *, viewer_id: int, page: Page,
                      filters: NotificationFilter, grouped_types: Sequence[str] | None
                      ) -> GroupPage:
    """A page of the viewer's notification groups, newest first."""
    batch = RowBatch(reader, viewer_id)
    if matches_nothing(filters):
        return GroupPage([], [], batch)
    selection = await select_notifications(batch, viewer_id, filters)
    reps = await _representatives(selection, batch, _grouped_types(grouped_types), page)
    if not reps:
        return GroupPage([], [], batch)
    ids = [notification.id for notification, _name in reps]
    low, high = _page_range(ids, page, complete=len(reps) >= page.limit)
    groups = {name: _single(notification, name) for notification, name in reps}
    real = {name: group for name, group in groups.items() if not name.startswith(UNGROUPED)}
    for group in real.values():
        group.sample_account_ids = []
    await _fill_groups(selection, batch, real, low, high)
    return GroupPage(list(groups.values()), ids, batch)


def parse_key(group_key: str) -> tuple[str | None, int | None]:
    """(the group key, or the notification id of an `ungrouped-<id>` key); NotFound for
    keys that cannot exist."""
    if not group_key or len(group_key) > MAX_KEY_LENGTH:
        raise NotFound()
    if group_key.startswith(UNGROUPED):
        raw = group_key[len(UNGROUPED):]
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or int(raw) > MAX_ID:
            raise NotFound()
        return None, int(raw)
    return group_key, None


async def _group_selection(reader: Reader, viewer_id: int, group_key: str
                           ) -> tuple[RowBatch, Selection, Selection]:
    """The batch, the viewer's notifications as a list shows them, and those of one group."""
    key, notification_id = parse_key(group_key)
    batch = RowBatch(reader, viewer_id)
    every = await select_notifications(batch, viewer_id, NotificationFilter())
    return batch, every, every.narrowed(group_key=key, notification_id=notification_id)


async def get_group(reader: Reader, *, viewer_id: int, group_key: str) -> GroupPage:
    """One whole group (all of its notifications count), as a page of one."""
    batch, every, selection = await _group_selection(reader, viewer_id, group_key)
    newest = await selected_rows(selection, batch, Page(limit=1))
    if not newest.rows:
        raise NotFound()
    if group_key.startswith(UNGROUPED):
        group = _single(newest.rows[0], group_key)
    else:
        group = Group(key=group_key, notification=newest.rows[0])
        await _fill_groups(every, batch, {group_key: group}, None, None)
    group.page_min_id = group.page_max_id = group.latest_page_at = None
    return GroupPage([group], [], batch)


async def group_accounts(reader: Reader, *, viewer_id: int, group_key: str, page: Page
                         ) -> list[tuple[int, AccountRow]]:
    """(notification id, account) of a group, newest first, each person once per page."""
    batch, _every, selection = await _group_selection(reader, viewer_id, group_key)
    found = await selected_rows(selection, batch, page)
    rows = [(n.id, sender) for n in found.rows
            if (sender := found.senders.get(n.from_account_id)) is not None]
    if not rows and page == Page(limit=page.limit):
        raise NotFound()
    seen: set[int] = set()
    unique = []
    for notification_id, account in rows:
        if account.id not in seen:
            seen.add(account.id)
            unique.append((notification_id, account))
    return unique


def _key_condition(group_key: str) -> ColumnElement[bool]:
    """The notifications of one group, by its key; NotFound for keys that cannot exist."""
    key, notification_id = parse_key(group_key)
    return Notification.id == notification_id if key is None else Notification.group_key == key


async def dismiss_group(session: AsyncSession, *, viewer_id: int, group_key: str) -> None:
    """Delete every notification of one of the viewer's groups."""
    result = await session.execute(delete(Notification).where(
        Notification.account_id == viewer_id, _key_condition(group_key))
        .execution_options(synchronize_session=False))
    if getattr(result, "rowcount", 0) == 0:
        raise NotFound()


def _key_expression(grouped_types: Sequence[str] | None) -> ColumnElement[Any]:
    """_key_sql for the ORM."""
    types = _grouped_types(grouped_types)
    if not types:
        return null()
    return case((Notification.type.in_(list(types)), Notification.group_key), else_=null())


async def unread_group_count(session: AsyncSession, *, viewer_id: int,
                             filters: NotificationFilter, grouped_types: Sequence[str] | None,
                             limit: int) -> int:
    """How many groups have notifications after the notifications marker (at most `limit`)."""
    read_up_to = await notifications_read_up_to(session, account_id=viewer_id)
    key = func.coalesce(_key_expression(grouped_types),
                        literal(UNGROUPED) + cast(Notification.id, String))
    unread = (select(key.label("key"))
              .where(*notification_conditions(viewer_id, filters), Notification.id > read_up_to)
              .distinct().limit(limit).subquery())
    return int(await session.scalar(select(func.count()).select_from(unread)) or 0)
