"""Grouped notifications (Mastodon 4.3, /api/v2/notifications): pages of groups, each with its
count, newest notification and a sample of the people in it; one group, its people, dismissal.

A page holds `limit` groups, each represented by its newest notification under the cursor;
the Link cursors are those representatives' ids, as in Mastodon. Counts and samples cover
the whole group up to the page's upper bound; page_min_id/page_max_id only the page's range.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, case, cast, delete, func, literal, null, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from parley.accounts.models import Account
from parley.errors import NotFound
from parley.lib.paging import Page
from parley.notifications.grouping import GROUPABLE_TYPES
from parley.notifications.markers import notifications_read_up_to
from parley.notifications.models import Notification
from parley.notifications.service import NotificationFilter, notification_conditions

SAMPLE_ACCOUNTS = 8
UNGROUPED = "ungrouped-"
MAX_KEY_LENGTH = 96


@dataclass
class Group:
    """One notification group as a page shows it."""

    key: str
    notification: Notification  # its type and post stand for the group
    count: int = 1
    most_recent_id: int = 0
    sample_account_ids: list[int] = field(default_factory=list)
    page_min_id: int | None = None
    page_max_id: int | None = None
    latest_page_at: datetime | None = None


@dataclass
class GroupPage:
    groups: list[Group]
    cursors: list[int]  # the representatives' ids, newest first: the Link header's cursors


def _key_expression(grouped_types: Sequence[str] | None) -> ColumnElement[Any]:
    """A notification's group key, or NULL when it is a group of its own (not groupable,
    or its type is not among the client's grouped_types)."""
    types = GROUPABLE_TYPES if grouped_types is None else [
        kind for kind in grouped_types if kind in GROUPABLE_TYPES]
    if not types:
        return null()
    return case((Notification.type.in_(list(types)), Notification.group_key), else_=null())


async def _representatives(session: AsyncSession, conditions: list[ColumnElement[bool]],
                           key: ColumnElement[Any], page: Page) -> list[tuple[Notification, str]]:
    """Walk the notifications from the cursor until `page.limit` groups are found; groups
    already found are excluded in SQL, so a 10,000-like group costs one row, not 10,000."""
    batch = max(page.limit * 2, 40)
    bounded = page.apply(select(Notification, key.label("key")).where(*conditions),
                         Notification.id).limit(batch)
    found: dict[str, Notification] = {}
    last_id: int | None = None
    while len(found) < page.limit:
        stmt = bounded
        if last_id is not None:
            stmt = stmt.where(Notification.id > last_id if page.ascending
                              else Notification.id < last_id)
        seen = [name for name in found if not name.startswith(UNGROUPED)]
        if seen:
            stmt = stmt.where(or_(key.is_(None), key.not_in(seen)))
        rows = (await session.execute(stmt)).tuples().all()
        for notification, group_key in rows:
            name = group_key or f"{UNGROUPED}{notification.id}"
            if name not in found and len(found) < page.limit:
                found[name] = notification
        if len(rows) < batch:
            break
        last_id = rows[-1][0].id
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


async def _fill_groups(session: AsyncSession, groups: dict[str, Group],
                       conditions: list[ColumnElement[bool]], low: int | None,
                       high: int | None) -> None:
    """Counts, newest ids and sample accounts (up to `high`), page ranges (low..high)."""
    if not groups:
        return
    upto = [*conditions, Notification.group_key.in_(list(groups))]
    if high is not None:
        upto.append(Notification.id <= high)
    stats = await session.execute(
        select(Notification.group_key, func.count(), func.max(Notification.id))
        .where(*upto).group_by(Notification.group_key))
    for group_key, count, newest in stats.tuples():
        groups[str(group_key)].count = int(count)
        groups[str(group_key)].most_recent_id = int(newest)
    if low is not None:
        ranges = await session.execute(
            select(Notification.group_key, func.min(Notification.id),
                   func.max(Notification.id), func.max(Notification.created_at))
            .where(*upto, Notification.id >= low).group_by(Notification.group_key))
        for group_key, lowest, highest, latest in ranges.tuples():
            group = groups[str(group_key)]
            group.page_min_id, group.page_max_id = int(lowest), int(highest)
            group.latest_page_at = latest
    ranked = (select(Notification.group_key.label("key"),
                     Notification.from_account_id.label("account_id"),
                     func.row_number().over(partition_by=Notification.group_key,
                                            order_by=func.max(Notification.id).desc())
                     .label("rank"))
              .where(*upto).group_by(Notification.group_key, Notification.from_account_id)
              .subquery())
    samples = await session.execute(
        select(ranked.c.key, ranked.c.account_id).where(ranked.c.rank <= SAMPLE_ACCOUNTS)
        .order_by(ranked.c.key, ranked.c.rank))
    for group_key, account_id in samples.tuples():
        groups[str(group_key)].sample_account_ids.append(int(account_id))


def _single(notification: Notification, name: str) -> Group:
    return Group(key=name, notification=notification, count=1,
                 most_recent_id=notification.id,
                 sample_account_ids=[notification.from_account_id],
                 page_min_id=notification.id, page_max_id=notification.id,
                 latest_page_at=notification.created_at)


async def list_groups(session: AsyncSession, *, viewer_id: int, page: Page,
                      filters: NotificationFilter, grouped_types: Sequence[str] | None
                      ) -> GroupPage:
    """A page of the viewer's notification groups, newest first."""
    conditions = notification_conditions(viewer_id, filters)
    key = _key_expression(grouped_types)
    reps = await _representatives(session, conditions, key, page)
    if not reps:
        return GroupPage(groups=[], cursors=[])
    ids = [notification.id for notification, _name in reps]
    low, high = _page_range(ids, page, complete=len(reps) >= page.limit)
    groups = {name: _single(notification, name) for notification, name in reps}
    real = {name: group for name, group in groups.items() if not name.startswith(UNGROUPED)}
    for group in real.values():
        group.sample_account_ids = []
    await _fill_groups(session, real, conditions, low, high)
    return GroupPage(groups=list(groups.values()), cursors=ids)


def _key_condition(group_key: str) -> ColumnElement[bool]:
    """The notifications of one group, by its key; NotFound for keys that cannot exist."""
    if not group_key or len(group_key) > MAX_KEY_LENGTH:
        raise NotFound()
    if group_key.startswith(UNGROUPED):
        raw = group_key[len(UNGROUPED):]
        if not raw.isdigit() or len(raw) > 19:
            raise NotFound()
        return Notification.id == int(raw)
    return Notification.group_key == group_key


async def get_group(session: AsyncSession, *, viewer_id: int, group_key: str) -> Group:
    """One whole group (all of its notifications count)."""
    conditions = [*notification_conditions(viewer_id, NotificationFilter()),
                  _key_condition(group_key)]
    newest = await session.scalar(select(Notification).where(*conditions)
                                  .order_by(Notification.id.desc()).limit(1))
    if newest is None:
        raise NotFound()
    if group_key.startswith(UNGROUPED):
        group = _single(newest, group_key)
    else:
        group = Group(key=group_key, notification=newest)
        await _fill_groups(session, {group_key: group}, conditions[:-1], None, None)
    group.page_min_id = group.page_max_id = group.latest_page_at = None
    return group


async def group_accounts(session: AsyncSession, *, viewer_id: int, group_key: str, page: Page
                         ) -> list[tuple[int, Account]]:
    """(notification id, account) of a group, newest first, each person once per page."""
    stmt = (select(Notification.id, Account)
            .join(Account, Account.id == Notification.from_account_id)
            .where(*notification_conditions(viewer_id, NotificationFilter()),
                   _key_condition(group_key)))
    rows = page.arrange((await session.execute(page.apply(stmt, Notification.id))).tuples()
                        .all())
    if not rows and page == Page(limit=page.limit):
        raise NotFound()
    seen: set[int] = set()
    unique = []
    for notification_id, account in rows:
        if account.id not in seen:
            seen.add(account.id)
            unique.append((notification_id, account))
    return unique


async def dismiss_group(session: AsyncSession, *, viewer_id: int, group_key: str) -> None:
    """Delete every notification of one of the viewer's groups."""
    result = await session.execute(delete(Notification).where(
        Notification.account_id == viewer_id, _key_condition(group_key))
        .execution_options(synchronize_session=False))
    if getattr(result, "rowcount", 0) == 0:
        raise NotFound()


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
