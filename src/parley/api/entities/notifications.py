"""Notification entities: the one renderer (render_notification_rows), over pages of rows from
notifications/rows.py on the raw read path, and what the grouped renderer shares with it;
render_notifications adapts ORM notifications to it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from parley.api.entities.accounts import account_entity
from parley.api.entities.admin_reports import render_reports
from parley.api.entities.filters import is_hidden
from parley.api.entities.notification_types import mastodon_group_key, mastodon_type
from parley.api.entities.statuses import render_rows
from parley.config import Settings
from parley.notifications.models import Notification
from parley.notifications.rows import (
    NotificationPage,
    NotificationRow,
    notification_page,
    notification_row_of,
)
from parley.store.database import Database
from parley.store.rawsql import iso_of
from parley.store.rawwrite import SessionSql

Reports = Mapping[int, dict[str, Any]]


async def read_reports(db: Database, rows: Iterable[NotificationRow], settings: Settings
                       ) -> dict[int, dict[str, Any]]:
    """The Report entities of the admin.report notifications among `rows`: only admins have
    any, so these are read through the ORM, and no session is opened for anyone else."""
    report_ids = [n.report_id for n in rows if n.report_id is not None]
    if not report_ids:
        return {}
    async with db.read() as session:
        return await render_reports(session, report_ids, settings)


async def subject_statuses(page: NotificationPage, *, viewer_id: int, settings: Settings
                           ) -> dict[int, dict[str, Any]]:
    """The Status entity of each post the page's notifications are about (each rendered
    once), keyed by post id in the order the page first names them."""
    unique = list({post.id: post for post in page.subjects.values()}.values())
    rendered = await render_rows(page.batch.reader, unique, viewer_id=viewer_id,
                                 settings=settings, filter_context="notifications",
                                 batch=page.batch)
    return {post.id: entity for post, entity in zip(unique, rendered, strict=True)}


def shown(n: NotificationRow, page: NotificationPage, statuses: Mapping[int, dict[str, Any]],
          reports: Reports) -> bool:
    """Whether a notification is shown as far as its post and report go: one whose post or
    report has gone is left out, and so is one about a post a `hide` filter matches."""
    subject = page.subjects.get(n.id)
    if n.post_id is not None and (subject is None or is_hidden(statuses[subject.id])):
        return False
    return n.report_id is None or n.report_id in reports


async def render_notification_rows(page: NotificationPage, *, viewer_id: int,
                                   settings: Settings, reports: Reports
                                   ) -> list[dict[str, Any]]:
    """Mastodon Notification entities in order: the one Notification renderer.
    `reports` holds the Report entities of the page's admin.report notifications
    (read_reports). One whose account, post or report has gone is left out, and so is one
    about a post a `hide` filter of the viewer's matches."""
    statuses = await subject_statuses(page, viewer_id=viewer_id, settings=settings)
    accounts: dict[int, dict[str, Any]] = {}
    entities: list[dict[str, Any]] = []
    for n in page.rows:
        sender = page.senders.get(n.from_account_id)
        if sender is None or not shown(n, page, statuses, reports):
            continue
        account = accounts.get(sender.id)
        if account is None:
            account = accounts[sender.id] = account_entity(sender, settings)
        entity: dict[str, Any] = {
            "id": str(n.id),
            "type": mastodon_type(n.type),
            "created_at": iso_of(n.created_at),
            "group_key": mastodon_group_key(n.group_key) if n.group_key else f"ungrouped-{n.id}",
            "account": account,
        }
        subject = page.subjects.get(n.id)
        if subject is not None:
            entity["status"] = statuses[subject.id]
        if n.report_id is not None:
            entity["report"] = reports[n.report_id]
        entities.append(entity)
    return entities


async def render_page(page: NotificationPage, *, db: Database, viewer_id: int,
                      settings: Settings) -> list[dict[str, Any]]:
    """render_notification_rows with the page's reports read (read_reports)."""
    reports = await read_reports(db, page.rows, settings)
    return await render_notification_rows(page, viewer_id=viewer_id, settings=settings,
                                          reports=reports)


async def render_notifications(session: AsyncSession, notifications: Sequence[Notification],
                               *, viewer_id: int, settings: Settings) -> list[dict[str, Any]]:
    """render_notification_rows for ORM notifications, reading through the caller's
    session (as render_statuses does for posts)."""
    page = await notification_page(SessionSql(session), viewer_id,
                                   [notification_row_of(n) for n in notifications])
    reports = await render_reports(session, (n.report_id for n in page.rows), settings)
    return await render_notification_rows(page, viewer_id=viewer_id, settings=settings,
                                          reports=reports)
