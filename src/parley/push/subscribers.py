"""Every notification shown to someone (whatever its type: a new type pushes without a
change here) queues one push job per subscription of theirs that wants that type, in the
notification's transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.events import Subscriber
from parley.events.live import NotificationCreated
from parley.jobs.queue import enqueue
from parley.notifications.models import Notification
from parley.push.delivery import PUSH, PushJob
from parley.store.rawsql import Sql
from parley.store.rawwrite import writer_of


async def _type_of(session: AsyncSession, event: NotificationCreated) -> str | None:
    if event.row is not None:
        return str(event.row["type"])
    found = await session.scalar(select(Notification.type).where(
        Notification.id == event.notification_id))
    return None if found is None else str(found)


# Every notification asks (most accounts have none): on the raw write path of its transaction.
_SUBSCRIPTIONS = Sql("""
    SELECT s.id, s.alerts FROM push_subscriptions s
    JOIN oauth_access_tokens t ON t.id = s.access_token_id
    WHERE s.account_id = :account AND s.policy != 'none' AND t.revoked_at IS NULL""")


async def notification_created(session: AsyncSession, event: NotificationCreated) -> None:
    """One indexed read per notification (an account with no subscription: nothing more);
    a revoked token's subscription queues nothing."""
    subscriptions = await (await writer_of(session)).fetch(
        _SUBSCRIPTIONS, {"account": event.account_id})
    if not subscriptions:
        return
    kind = await _type_of(session, event)
    for subscription_id, alerts in subscriptions:
        if kind in alerts.split():
            await enqueue(session, PUSH, PushJob(subscription_id, event.notification_id))


SUBSCRIBERS = (Subscriber(NotificationCreated, notification_created),)
