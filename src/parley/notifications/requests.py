"""Notification requests: filtered notifications held per sender until accepted or dismissed."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import NotFound
from parley.lib.ids import new_id
from parley.lib.paging import Page
from parley.lib.timefmt import utcnow
from parley.notifications.models import (
    Notification,
    NotificationPermission,
    NotificationRequest,
)


async def hold_as_request(session: AsyncSession, notification: Notification) -> None:
    """Count a filtered notification into the request for its sender (made on the first)."""
    request = await session.scalar(select(NotificationRequest).where(
        NotificationRequest.account_id == notification.account_id,
        NotificationRequest.from_account_id == notification.from_account_id))
    if request is None:
        request = NotificationRequest(
            id=new_id(), account_id=notification.account_id,
            from_account_id=notification.from_account_id, notifications_count=0,
            created_at=utcnow())
        session.add(request)
    request.notifications_count = (request.notifications_count or 0) + 1
    if notification.post_id is not None:
        request.last_post_id = notification.post_id
    request.updated_at = utcnow()
    await session.flush()


async def list_requests(session: AsyncSession, *, viewer_id: int, page: Page
                        ) -> list[NotificationRequest]:
    """The viewer's pending requests, newest first."""
    stmt = select(NotificationRequest).where(NotificationRequest.account_id == viewer_id)
    rows = (await session.scalars(page.apply(stmt, NotificationRequest.id))).all()
    return page.arrange(rows)


async def get_request(session: AsyncSession, *, viewer_id: int, request_id: int
                      ) -> NotificationRequest:
    found: NotificationRequest | None = await session.scalar(select(NotificationRequest).where(
        NotificationRequest.id == request_id, NotificationRequest.account_id == viewer_id))
    if found is None:
        raise NotFound()
    return found


async def _owned(session: AsyncSession, viewer_id: int, request_ids: Sequence[int]
                 ) -> list[NotificationRequest]:
    if not request_ids:
        return []
    return list((await session.scalars(select(NotificationRequest).where(
        NotificationRequest.account_id == viewer_id,
        NotificationRequest.id.in_(list(request_ids))))).all())


async def _permit(session: AsyncSession, account_id: int, from_account_id: int) -> None:
    try:
        async with session.begin_nested():
            session.add(NotificationPermission(account_id=account_id,
                                               from_account_id=from_account_id))
    except IntegrityError:  # already permitted
        pass


async def accept_requests(session: AsyncSession, *, viewer_id: int,
                          request_ids: Sequence[int]) -> int:
    """Let these senders through from now on and move their held notifications into the
    main list (merged at once, so /requests/merged is always true). Returns how many."""
    requests = await _owned(session, viewer_id, request_ids)
    for request in requests:
        await _permit(session, viewer_id, request.from_account_id)
        await session.execute(update(Notification).where(
            Notification.account_id == viewer_id,
            Notification.from_account_id == request.from_account_id,
            Notification.filtered.is_(True)).values(filtered=False)
            .execution_options(synchronize_session=False))
        await session.delete(request)
    await session.flush()
    return len(requests)


async def dismiss_requests(session: AsyncSession, *, viewer_id: int,
                           request_ids: Sequence[int]) -> int:
    """Drop these requests with the notifications they held. Returns how many."""
    requests = await _owned(session, viewer_id, request_ids)
    for request in requests:
        await session.execute(delete(Notification).where(
            Notification.account_id == viewer_id,
            Notification.from_account_id == request.from_account_id,
            Notification.filtered.is_(True)).execution_options(synchronize_session=False))
        await session.delete(request)
    await session.flush()
    return len(requests)
