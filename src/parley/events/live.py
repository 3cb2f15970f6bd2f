"""Events only the live side hears of: deliveries, notifications, conversations, filters.

They are recorded where the change is made and published after commit (api/publisher.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from parley.events import Event


@dataclass(frozen=True)
class Delivered(Event):
    """The fan-out wrote this post into these accounts' home timelines and these lists, and
    with `followers` = (after, upper) into the homes of the author's followers with ids in
    that range that its rules let through. Those are not listed: returning and publishing
    thousands of ids per batch cost more than the insert when few of them have a stream
    open; each process's hub looks up its own connected accounts (channels.reached)."""

    live: ClassVar[bool] = True
    post_id: int
    owner_ids: tuple[int, ...] = field(default_factory=tuple)
    list_ids: tuple[int, ...] = field(default_factory=tuple)
    followers: tuple[int | None, int | None] | None = None


@dataclass(frozen=True)
class BroadcastDelivered(Event):
    """A post of a broadcast account (hybrid fan-out: not written into each follower's home;
    home reads merge it). The publisher sends it on `channels.followers_of(account_id)`, and
    each process's hub hands it to the home streams of its connected followers of that
    account."""

    live: ClassVar[bool] = True
    post_id: int
    account_id: int


@dataclass(frozen=True)
class NotificationCreated(Event):
    """A notification for `account_id`; `row` (its column values), when the writer has it,
    spares the publisher a re-read."""

    live: ClassVar[bool] = True
    notification_id: int
    account_id: int
    row: Mapping[str, Any] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ConversationUpdated(Event):
    """A direct conversation got a new post: its participants' `direct` streams hear of it."""

    live: ClassVar[bool] = True
    conversation_id: int
    participant_ids: tuple[int, ...]


@dataclass(frozen=True)
class FiltersChanged(Event):
    """The account's filters changed: its clients should reload them."""

    live: ClassVar[bool] = True
    account_id: int
