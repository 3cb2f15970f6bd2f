"""Events of posts: created, edited, deleted, liked, reposted (and undone), given a card,
pinned to a profile (and unpinned)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from parley.events import Event


@dataclass(frozen=True)
class PostCreated(Event):
    """A new post exists (the streams of its thread, tags and public timelines hear of it).
    `row` (its column values) and `tags` (lower-cased names), when the writer has them,
    spare the publisher a re-read of what the transaction just wrote. `mentions`: the
    accounts it mentions (`local_mentions` of them local); `quoted_author_id`: the author of
    the post it quotes."""

    live: ClassVar[bool] = True
    post_id: int
    row: Mapping[str, Any] | None = field(default=None, compare=False)
    tags: tuple[str, ...] | None = None
    mentions: tuple[int, ...] = ()
    local_mentions: tuple[int, ...] = ()
    quoted_author_id: int | None = None


@dataclass(frozen=True)
class PostEdited(Event):
    """A post has a new version: whoever shows it should show it; `new_local_mentions`
    are the local accounts the edit mentions for the first time."""

    live: ClassVar[bool] = True
    post_id: int
    new_local_mentions: tuple[int, ...] = ()


@dataclass(frozen=True)
class PostCardAttached(Event):
    """A post's link preview card arrived after the post (its author changed nothing):
    whoever shows it should show it again, as after an edit."""

    live: ClassVar[bool] = True
    post_id: int


@dataclass(frozen=True)
class PostDeleted(Event):
    """A post is about to go (recorded before its rows cascade away, so that subscribers can
    still read what depends on it)."""

    post_id: int
    account_id: int
    thread_id: int
    visibility: str
    local: bool
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class PostGone(Event):
    """A deleted post, with the home timelines that showed it (read before the rows went):
    everyone who might show it should drop it."""

    live: ClassVar[bool] = True
    deleted: PostDeleted
    audience_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Reposted(Event):
    """`account_id` reposted `original_id` (by `original_author_id`) as post `post_id`."""

    post_id: int
    account_id: int
    original_id: int
    original_author_id: int


@dataclass(frozen=True)
class Unreposted(Event):
    """`account_id` took back its repost of `original_id`; `repost_uri` was the repost's id
    (a remote server's Announce names it)."""

    account_id: int
    original_id: int
    original_author_id: int
    repost_uri: str | None = None


@dataclass(frozen=True)
class Liked(Event):
    """`account_id` liked `post_id` (by `author_id`)."""

    account_id: int
    post_id: int
    author_id: int


@dataclass(frozen=True)
class Unliked(Event):
    """`account_id` took back its like of `post_id` (by `author_id`); `like_id` was the
    like's id (its Undo names it)."""

    account_id: int
    post_id: int
    author_id: int
    like_id: int | None = None


@dataclass(frozen=True)
class PostPinned(Event):
    """`account_id` pinned its post `post_id` to its profile (`pin_id`: the pin)."""

    account_id: int
    post_id: int
    pin_id: int


@dataclass(frozen=True)
class PostUnpinned(Event):
    """`account_id` unpinned its post `post_id` (`pin_id`: the pin that was)."""

    account_id: int
    post_id: int
    pin_id: int


@dataclass(frozen=True)
class QuoteSettled(Event):
    """A quote's state changed after it was made (posts/quotes.py settle_quote): accepted
    or rejected by the quoted author (or their server), or revoked by them; `previous` is
    the state it had (both `pending`: a remote quote now waits for its author's decision).
    `quoted_id` is None once the quoted post is gone."""

    post_id: int
    author_id: int
    quoted_id: int | None
    quoted_author_id: int | None
    state: str
    previous: str
