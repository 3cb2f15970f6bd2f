"""Notification services: creating notifications (listing comes with the API)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.lib.ids import new_id
from parley.notifications.models import Notification


async def notify(session: AsyncSession, *, recipient_id: int, from_account_id: int,
                 type: str, post_id: int | None = None) -> Notification | None:
    """Record a notification in the caller's transaction; nobody is notified of their own
    actions, and the same activity never notifies twice."""
    if recipient_id == from_account_id:
        return None
    if post_id is not None:
        existing = await session.scalar(select(Notification.id).where(
            Notification.account_id == recipient_id, Notification.type == type,
            Notification.from_account_id == from_account_id, Notification.post_id == post_id))
        if existing is not None:
            return None
    notification = Notification(id=new_id(), account_id=recipient_id,
                                from_account_id=from_account_id, type=type, post_id=post_id)
    session.add(notification)
    await session.flush()
    return notification
