"""Notification services: recording notifications, listing, dismissing and clearing them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from parley.errors import NotFound
from parley.lib.ids import new_id
from parley.lib.paging import Page
from parley.notifications.models import Notification
from parley.posts.models import Post
from parley.posts.visibility import visible_to


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


@dataclass(frozen=True)
class NotificationFilter:
    """Mastodon's list filters: only these types, not these types, only from this account."""

    types: Sequence[str] = field(default_factory=tuple)
    exclude_types: Sequence[str] = field(default_factory=tuple)
    from_account_id: int | None = None


def _post_visible(viewer_id: int) -> ColumnElement[bool]:
    # A notification about a post the viewer can no longer see (say, a follow ended) is
    # skipped in SQL, so pages keep their size.
    return or_(Notification.post_id.is_(None),
               exists(select(Post.id).where(Post.id == Notification.post_id,
                                            visible_to(viewer_id))))


async def list_notifications(session: AsyncSession, *, viewer_id: int, page: Page,
                             filters: NotificationFilter) -> list[Notification]:
    """A page of the viewer's notifications, newest first."""
    stmt = select(Notification).where(Notification.account_id == viewer_id,
                                      _post_visible(viewer_id))
    if filters.types:
        stmt = stmt.where(Notification.type.in_(list(filters.types)))
    if filters.exclude_types:
        stmt = stmt.where(Notification.type.not_in(list(filters.exclude_types)))
    if filters.from_account_id is not None:
        stmt = stmt.where(Notification.from_account_id == filters.from_account_id)
    rows = (await session.scalars(page.apply(stmt, Notification.id))).all()
    return page.arrange(rows)


async def get_notification(session: AsyncSession, *, viewer_id: int, notification_id: int
                           ) -> Notification:
    """One of the viewer's notifications; someone else's is simply not found."""
    found: Notification | None = await session.scalar(select(Notification).where(
        Notification.id == notification_id, Notification.account_id == viewer_id,
        _post_visible(viewer_id)))
    if found is None:
        raise NotFound()
    return found


async def dismiss_notification(session: AsyncSession, *, viewer_id: int,
                               notification_id: int) -> None:
    """Delete one of the viewer's notifications."""
    result = await session.execute(delete(Notification).where(
        Notification.id == notification_id, Notification.account_id == viewer_id))
    if getattr(result, "rowcount", 0) == 0:
        raise NotFound()


async def clear_notifications(session: AsyncSession, *, viewer_id: int) -> None:
    """Delete all of the viewer's notifications."""
    await session.execute(delete(Notification).where(Notification.account_id == viewer_id))
