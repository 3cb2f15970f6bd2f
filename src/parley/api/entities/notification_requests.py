"""NotificationRequest and NotificationPolicy entities."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.api.entities.accounts import account_entity
from parley.api.entities.statuses import render_statuses
from parley.config import Settings
from parley.lib.timefmt import iso
from parley.notifications.models import NotificationPolicy, NotificationRequest
from parley.notifications.policy import POLICY_FIELDS
from parley.posts.lookup import get_posts


async def render_requests(session: AsyncSession, rows: list[NotificationRequest],
                          viewer_id: int, settings: Settings) -> list[dict[str, Any]]:
    """NotificationRequest entities, for a page in four queries; last_status only when the
    viewer may see it."""
    account_ids = {row.from_account_id for row in rows}
    accounts = {account.id: account for account in await session.scalars(
        select(Account).where(Account.id.in_(account_ids)))} if account_ids else {}
    posts = await get_posts(session, [row.last_post_id for row in rows
                                      if row.last_post_id is not None], viewer_id=viewer_id)
    rendered = await render_statuses(session, posts, viewer_id=viewer_id, settings=settings)
    statuses = {post.id: entity for post, entity in zip(posts, rendered, strict=True)}
    return [{
        "id": str(row.id),
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "account": account_entity(accounts[row.from_account_id], settings),
        "notifications_count": str(row.notifications_count),
        "last_status": statuses.get(row.last_post_id) if row.last_post_id else None,
    } for row in rows if row.from_account_id in accounts]


def policy_entity(policy: NotificationPolicy, *, pending_requests: int,
                  pending_notifications: int) -> dict[str, Any]:
    """Mastodon's (v2) NotificationPolicy."""
    entity: dict[str, Any] = {name: getattr(policy, name) for name in POLICY_FIELDS}
    entity["summary"] = {"pending_requests_count": pending_requests,
                         "pending_notifications_count": pending_notifications}
    return entity
