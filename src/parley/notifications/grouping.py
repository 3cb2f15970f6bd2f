"""Group keys: which notifications read as one (likes of a post, replies to a post, follows).

Mastodon 4.3 semantics: like, repost, follow and admin.sign_up notifications of the same
type and target share a key while they fall in a window of at most 12 hours (hour buckets:
a group started in bucket b keeps taking notifications until bucket b + 12).

Parley also groups **replies**: mention notifications for public, unlisted or followers-only
replies to the same post share a key `mention-<parent id>-<bucket>`, so that two dozen answers
to one post read as one group with its participants. Direct mentions and mentions outside a
reply stay ungrouped (a conversation is the place for those). Clients that cannot show a
mention group say so with `grouped_types[]`, and get them one by one.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.lib.timefmt import utcnow
from parley.notifications.models import Notification
from parley.posts.models import Post

# The types Parley groups (Mastodon's four, plus replies as mentions).
GROUPABLE_TYPES = ("like", "repost", "follow", "admin.sign_up", "mention")
GROUP_SPAN_HOURS = 12


def group_prefix(type: str, post: Post | None) -> str | None:
    """The part of the key naming the type and target; None: not grouped."""
    if type in ("like", "repost"):
        return f"{type}-{post.id}-" if post is not None else None
    if type in ("follow", "admin.sign_up"):
        return f"{type}--"
    if type == "mention":
        if post is None or post.in_reply_to_id is None or post.visibility == "direct":
            return None
        return f"mention-{post.in_reply_to_id}-"
    return None


def open_candidates(prefix: str | None) -> list[str]:
    """Every key a group with this prefix may have while still open: one per bucket of the
    last GROUP_SPAN_HOURS (exact keys, so lookups use the (account_id, group_key) index)."""
    if prefix is None:
        return []
    bucket = int(utcnow().timestamp()) // 3600
    return [f"{prefix}{start}" for start in range(bucket - GROUP_SPAN_HOURS + 1, bucket + 1)]


def choose_key(prefix: str | None, existing: Iterable[str | None]) -> str | None:
    """The latest open group among `existing` keys of the prefix, else a new one now."""
    if prefix is None:
        return None
    open_buckets = [int(key.rsplit("-", 1)[1]) for key in existing if key]
    return f"{prefix}{max(open_buckets, default=int(utcnow().timestamp()) // 3600)}"


async def group_key_for(session: AsyncSession, *, recipient_id: int, type: str,
                        post: Post | None) -> str | None:
    """The key a new notification joins: the latest open group of its kind, else a new one."""
    prefix = group_prefix(type, post)
    if prefix is None:
        return None
    existing = (await session.scalars(
        select(Notification.group_key).distinct()
        .where(Notification.account_id == recipient_id,
               Notification.group_key.in_(open_candidates(prefix))))).all()
    return choose_key(prefix, existing)
