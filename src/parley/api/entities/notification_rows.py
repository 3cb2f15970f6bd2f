"""Notification entities from rows (notifications/rows.py) on the raw read path: the same
entities and the same leaving-out rules as entities/notifications.py render_notifications."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from parley.api.entities.accounts import account_entity
from parley.api.entities.filters import is_hidden
from parley.api.entities.statuses import render_rows
from parley.config import Settings
from parley.lib.rawsql import iso_of
from parley.notifications.rows import NotificationPage


async def render_notification_rows(page: NotificationPage, *, viewer_id: int,
                                   settings: Settings,
                                   reports: Mapping[int, dict[str, Any]]
                                   ) -> list[dict[str, Any]]:
    """Mastodon Notification entities in order; `reports` holds the Report entities of the
    page's admin.report notifications. One whose account, post or report has gone is left
    out, and so is one about a post a `hide` filter of the viewer's matches."""
    batch = page.batch
    unique = list({post.id: post for post in page.subjects.values()}.values())
    rendered = await render_rows(batch.reader, unique, viewer_id=viewer_id, settings=settings,
                                 filter_context="notifications", batch=batch)
    statuses = {post.id: entity for post, entity in zip(unique, rendered, strict=True)}
    accounts: dict[int, dict[str, Any]] = {}
    entities: list[dict[str, Any]] = []
    for n in page.rows:
        sender = page.senders.get(n.from_account_id)
        subject = page.subjects.get(n.id)
        if sender is None or (n.post_id is not None and subject is None):
            continue
        if subject is not None and is_hidden(statuses[subject.id]):
            continue
        account = accounts.get(sender.id)
        if account is None:
            account = accounts[sender.id] = account_entity(sender, settings)
        entity: dict[str, Any] = {
            "id": str(n.id),
            "type": n.type,
            "created_at": iso_of(n.created_at),
            "group_key": n.group_key or f"ungrouped-{n.id}",
            "account": account,
        }
        if subject is not None:
            entity["status"] = statuses[subject.id]
        if n.report_id is not None:
            if n.report_id not in reports:
                continue
            entity["report"] = reports[n.report_id]
        entities.append(entity)
    return entities
