"""Domain events: the seam for side effects. A domain records what happened; durable
subscribers react in the same transaction, live consumers after it commits.

`record(session, event)` awaits the durable subscribers of the event's type in the order
they were subscribed (they get the session: they write rows and enqueue jobs, so their work
commits or rolls back with the change), then, for a live event type, keeps the event in the
session for the after-commit consumers (`take`): the streaming publisher, fed in commit
order, so nobody is told of something that then rolls back.

Subscribers are installed at start by the composition root (parley/domains.py) from what
each domain declares (its SUBSCRIBERS); nothing subscribes at import. Dispatch is one dict
lookup per event: no reflection on the write paths.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

EVENTS_KEY = "parley.events"


class Event:
    """Base of every event. `live` event types are also kept for after commit."""

    live: ClassVar[bool] = False


E = TypeVar("E", bound=Event)
Durable = Callable[[AsyncSession, Any], Awaitable[None]]

# Event type -> its durable subscribers, in subscription order (process-wide: subscribers
# are domain functions, the same for every app of the process).
_durable: dict[type[Event], tuple[Durable, ...]] = {}


@dataclass(frozen=True)
class Subscriber(Generic[E]):
    """A durable subscriber a domain declares: `handler` runs in the transaction of every
    `kind` event recorded."""

    kind: type[E]
    handler: Callable[[AsyncSession, E], Awaitable[None]]


def subscribe(kind: type[E], handler: Callable[[AsyncSession, E], Awaitable[None]]) -> None:
    """Run `handler` in the transaction of every `kind` event, after those subscribed
    before it; subscribing the same handler again changes nothing."""
    handlers = _durable.get(kind, ())
    if handler not in handlers:
        _durable[kind] = (*handlers, handler)


def subscribe_all(subscribers: Iterable[Subscriber[Any]]) -> None:
    for subscriber in subscribers:
        subscribe(subscriber.kind, subscriber.handler)


def subscribed(kind: type[Event]) -> tuple[Durable, ...]:
    """The durable subscribers of `kind`, in the order they run."""
    return _durable.get(kind, ())


async def record(session: AsyncSession, event: Event) -> None:
    """The domain's change happened in `session`'s transaction: its durable subscribers
    react now, in it; a live event is published once (and only if) it commits."""
    handlers = _durable.get(type(event))
    if handlers is not None:
        for handler in handlers:
            await handler(session, event)
    if event.live:
        session.info.setdefault(EVENTS_KEY, []).append(event)


def take(info: dict[Any, Any]) -> list[Event]:
    """The live events a committed transaction recorded (each taken once)."""
    events: list[Event] = info.pop(EVENTS_KEY, [])
    return events
