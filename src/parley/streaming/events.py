"""Domain events for real time: recorded in a transaction, published only after it commits.

Domains record what happened (a post, a delivery to home timelines, a notification); the
streaming publisher turns each into Mastodon events once the change is durable, so nobody
is ever told about something that then rolls back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

EVENTS_KEY = "parley.events"


@dataclass(frozen=True)
class PostCreated:
    """A new post or repost exists (public, hashtag and thread streams). `row` (its column
    values) and `tags` (lower-cased names), when the writer has them, spare the publisher a
    re-read of what the transaction just wrote."""

    post_id: int
    row: Mapping[str, Any] | None = field(default=None, compare=False)
    tags: tuple[str, ...] | None = None


@dataclass(frozen=True)
class PostDeleted:
    """A post is gone: everyone who might show it should drop it."""

    post_id: int
    account_id: int
    thread_id: int
    visibility: str
    local: bool
    tags: tuple[str, ...] = ()
    audience_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Delivered:
    """The fan-out wrote this post into these accounts' home timelines and these lists, and
    with `followers` = (after, upper) into the homes of the author's followers with ids in
    that range that its rules let through. Those are not listed: returning and publishing
    thousands of ids per batch cost more than the insert when few of them have a stream
    open; each process's hub looks up its own connected accounts (channels.reached)."""

    post_id: int
    owner_ids: tuple[int, ...] = field(default_factory=tuple)
    list_ids: tuple[int, ...] = field(default_factory=tuple)
    followers: tuple[int | None, int | None] | None = None


@dataclass(frozen=True)
class BroadcastDelivered:
    """A post of a broadcast account (hybrid fan-out: not written into each follower's home;
    home reads merge it). The publisher sends it on `channels.followers_of(account_id)`, and
    each process's hub hands it to the home streams of its connected followers of that
    account."""

    post_id: int
    account_id: int


@dataclass(frozen=True)
class PostUpdated:
    """A post was edited: whoever shows it should show the new version."""

    post_id: int


@dataclass(frozen=True)
class NotificationCreated:
    """A notification for `account_id`; `row` (its column values), when the writer has it,
    spares the publisher a re-read."""

    notification_id: int
    account_id: int
    row: Mapping[str, Any] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ConversationUpdated:
    """A direct conversation got a new post: its participants' `direct` streams hear of it."""

    conversation_id: int
    participant_ids: tuple[int, ...]


@dataclass(frozen=True)
class ExclusionsChanged:
    """A block, mute or domain block between these accounts began or ended: their open
    streams must re-read what they hide before the next post passes their gate."""

    account_ids: tuple[int, ...]


@dataclass(frozen=True)
class FiltersChanged:
    """The account's filters changed: its clients should reload them."""

    account_id: int


DomainEvent = (PostCreated | PostDeleted | PostUpdated | Delivered | BroadcastDelivered
               | NotificationCreated | FiltersChanged | ExclusionsChanged
               | ConversationUpdated)


def record(session: AsyncSession, event: DomainEvent) -> None:
    """Remember an event in the session; the publisher reads it after commit."""
    session.info.setdefault(EVENTS_KEY, []).append(event)


def take(info: dict[Any, Any]) -> list[DomainEvent]:
    """The events a committed transaction recorded (each taken once)."""
    events: list[DomainEvent] = info.pop(EVENTS_KEY, [])
    return events
