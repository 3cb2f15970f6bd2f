"""Events between accounts (sign-ups, profile changes, follows, blocks, mutes, moves) and of
followed tags."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from parley.events import Event


@dataclass(frozen=True)
class AccountCreated(Event):
    """A local account was created (admins hear of sign-ups)."""

    account_id: int


@dataclass(frozen=True)
class ProfileUpdated(Event):
    """What others see of a local account's profile changed (its name, note, fields,
    images, or the flags its actor document shows): federation sends the new profile."""

    account_id: int


@dataclass(frozen=True)
class FollowRequested(Event):
    """`follower_id` asked to follow the locked account `target_id`."""

    follower_id: int
    target_id: int


@dataclass(frozen=True)
class FollowAccepted(Event):
    """`follower_id` now follows `target_id`: at once (`requested` False) or by the
    target's accepting a request."""

    follower_id: int
    target_id: int
    requested: bool


@dataclass(frozen=True)
class FollowRequestWithdrawn(Event):
    """A pending request of `follower_id` to follow `target_id` was rejected by the target
    (`rejected`) or withdrawn by the follower (an accepted one is FollowAccepted). `uri`: the
    follow's ActivityPub id, when it had one."""

    follower_id: int
    target_id: int
    rejected: bool = False
    uri: str | None = None


@dataclass(frozen=True)
class FollowEnded(Event):
    """An accepted follow ended (unfollow, block, domain block, or the target removing the
    follower: `by_target`). `uri`: the follow's ActivityPub id, when it had one."""

    follower_id: int
    target_id: int
    by_target: bool = False
    uri: str | None = None


@dataclass(frozen=True)
class TagUnfollowed(Event):
    """`account_id` stopped following the tag `tag_id`."""

    account_id: int
    tag_id: int


@dataclass(frozen=True)
class Blocked(Event):
    """`account_id` blocked `target_id` (the follows between them have ended)."""

    account_id: int
    target_id: int


@dataclass(frozen=True)
class Unblocked(Event):
    """`account_id` lifted its block of `target_id` (`block_id`: the block that was)."""

    account_id: int
    target_id: int
    block_id: int


@dataclass(frozen=True)
class ExclusionsChanged(Event):
    """A block, mute or domain block between these accounts began or ended: their open
    streams must re-read what they hide before the next post passes their gate."""

    live: ClassVar[bool] = True
    account_ids: tuple[int, ...]


@dataclass(frozen=True)
class AccountMoved(Event):
    """`account_id` moved to `target_id` (which names it among its aliases): its followers
    here follow the new account."""

    account_id: int
    target_id: int
