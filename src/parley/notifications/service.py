"""Notification services: recording notifications, listing, dismissing and clearing them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import and_, delete, exists, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from parley.accounts.models import User
from parley.errors import NotFound
from parley.lib.ids import new_id
from parley.lib.paging import Page
from parley.notifications.grouping import group_key_for
from parley.notifications.markers import notifications_read_up_to
from parley.notifications.models import Notification
from parley.notifications.policy import decide
from parley.notifications.requests import hold_as_request
from parley.posts.models import Post
from parley.posts.visibility import AccountRef, account_hidden, visible_to
from parley.streaming.events import NotificationCreated, record


async def notify(session: AsyncSession, *, recipient_id: int, from_account_id: int,
                 type: str, post_id: int | None = None, report_id: int | None = None
                 ) -> Notification | None:
    """Record a notification in the caller's transaction; nobody is notified of their own
    actions, and the same activity never notifies twice. Nothing comes from an account the
    recipient blocks, is blocked by, blocks the domain of, or mutes with its notifications.
    The recipient's policy may drop it, or hold it back (filtered) under a request."""
    if recipient_id == from_account_id:
        return None
    if await session.scalar(select(_sender_hidden(recipient_id, from_account_id))):
        return None
    if post_id is not None or report_id is not None:
        existing = await session.scalar(select(Notification.id).where(
            Notification.account_id == recipient_id, Notification.type == type,
            Notification.from_account_id == from_account_id, Notification.post_id == post_id,
            Notification.report_id == report_id if report_id is not None else true()))
        if existing is not None:
            return None
    post = await session.get(Post, post_id) if post_id is not None else None
    verdict = await decide(session, recipient_id=recipient_id, sender_id=from_account_id,
                           type=type, post=post)
    if verdict == "drop":
        return None
    filtered = verdict == "filter"
    group_key = None if filtered else await group_key_for(
        session, recipient_id=recipient_id, type=type, post=post)
    notification = Notification(id=new_id(), account_id=recipient_id,
                                from_account_id=from_account_id, type=type, post_id=post_id,
                                report_id=report_id, group_key=group_key, filtered=filtered)
    session.add(notification)
    await session.flush()
    if filtered:
        await hold_as_request(session, notification)
        return notification  # held back: not streamed until its request is accepted
    record(session, NotificationCreated(notification.id, recipient_id))
    return notification


@dataclass(frozen=True)
class NotificationFilter:
    """Mastodon's list filters: only these types, not these types, only from this account."""

    types: Sequence[str] = field(default_factory=tuple)
    exclude_types: Sequence[str] = field(default_factory=tuple)
    from_account_id: int | None = None
    # Filtered (held back) notifications show with this, or when asking for one sender's.
    include_filtered: bool = False


def _sender_hidden(viewer_id: int, sender: AccountRef) -> ColumnElement[bool]:
    return account_hidden(viewer_id, sender, mutes="notifications")


def _post_visible(viewer_id: int) -> ColumnElement[bool]:
    # A notification about a post the viewer can no longer see (say, a follow ended), or from
    # an account blocked or muted since, is skipped in SQL, so pages keep their size.
    return and_(
        or_(Notification.post_id.is_(None),
            exists(select(Post.id).where(Post.id == Notification.post_id,
                                         visible_to(viewer_id)))),
        ~_sender_hidden(viewer_id, Notification.from_account_id))


def notification_conditions(viewer_id: int, filters: NotificationFilter
                            ) -> list[ColumnElement[bool]]:
    """WHERE clauses of the viewer's notifications as a list shows them (v1 and grouped)."""
    conditions = [Notification.account_id == viewer_id, _post_visible(viewer_id)]
    if not filters.include_filtered and filters.from_account_id is None:
        conditions.append(Notification.filtered.is_(False))
    if filters.types:
        conditions.append(Notification.type.in_(list(filters.types)))
    if filters.exclude_types:
        conditions.append(Notification.type.not_in(list(filters.exclude_types)))
    if filters.from_account_id is not None:
        conditions.append(Notification.from_account_id == filters.from_account_id)
    return conditions


async def list_notifications(session: AsyncSession, *, viewer_id: int, page: Page,
                             filters: NotificationFilter) -> list[Notification]:
    """A page of the viewer's notifications, newest first."""
    stmt = select(Notification).where(*notification_conditions(viewer_id, filters))
    rows = (await session.scalars(page.apply(stmt, Notification.id))).all()
    return page.arrange(rows)


async def unread_count(session: AsyncSession, *, viewer_id: int, filters: NotificationFilter,
                       limit: int) -> int:
    """How many notifications came after the notifications marker (at most `limit`)."""
    read_up_to = await notifications_read_up_to(session, account_id=viewer_id)
    unread = (select(Notification.id)
              .where(*notification_conditions(viewer_id, filters), Notification.id > read_up_to)
              .limit(limit).subquery())
    return int(await session.scalar(select(func.count()).select_from(unread)) or 0)


async def notify_admins(session: AsyncSession, *, type: str, from_account_id: int,
                        report_id: int | None = None) -> int:
    """Tell every active admin (admin.sign_up, admin.report); returns how many were told."""
    admins = (await session.scalars(select(User.account_id).where(
        User.admin.is_(True), User.disabled.is_(False)))).all()
    told = 0
    for admin_id in admins:
        if await notify(session, recipient_id=admin_id, from_account_id=from_account_id,
                        type=type, report_id=report_id) is not None:
            told += 1
    return told


async def notify_post_edited(session: AsyncSession, *, post: Post) -> None:
    """An edited post tells those who reposted it (update) and those who quoted it
    (quoted_update, about their quote), as Mastodon does; call it where posts are edited."""
    reposters = (await session.scalars(select(Post.account_id).distinct().where(
        Post.repost_of_id == post.id))).all()
    for account_id in reposters:
        await _renotify(session, recipient_id=account_id, from_account_id=post.account_id,
                        type="update", post_id=post.id)
    quotes = (await session.execute(select(Post.id, Post.account_id).where(
        Post.quote_of_id == post.id))).tuples().all()
    for quote_id, account_id in quotes:
        await _renotify(session, recipient_id=account_id, from_account_id=post.account_id,
                        type="quoted_update", post_id=quote_id)


async def _renotify(session: AsyncSession, *, recipient_id: int, from_account_id: int,
                    type: str, post_id: int) -> None:
    """Edits happen again and again: the newest edit replaces the older notification."""
    await session.execute(delete(Notification).where(
        Notification.account_id == recipient_id, Notification.type == type,
        Notification.from_account_id == from_account_id, Notification.post_id == post_id))
    await notify(session, recipient_id=recipient_id, from_account_id=from_account_id,
                 type=type, post_id=post_id)


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
