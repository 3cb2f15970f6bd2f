"""Waiting for you: mentions of and replies to someone that they have not answered, liked
or dismissed yet, oldest first, so that nobody who reached out is overlooked."""

from __future__ import annotations

from sqlalchemy import and_, delete, exists, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from parley.lib.paging import Page
from parley.lib.timefmt import utcnow
from parley.posts.lookup import get_proper_post
from parley.posts.models import Like, Mention, Post
from parley.posts.visibility import not_blocked_or_muted, visible_to
from parley.store.dialect import dialect_of
from parley.store.sql import alias_of
from parley.waiting.models import WaitingDismissal

# Counted up to this many: a badge says "99+" rather than scanning a long history.
COUNT_LIMIT = 100


def _addressed_to(viewer_id: int) -> ColumnElement[bool]:
    """Mentions the viewer or replies to them: two index range scans, not a table scan."""
    reply = alias_of(Post, "waiting_reply")
    ids = union(select(Mention.post_id).where(Mention.account_id == viewer_id),
                select(reply.id).where(reply.in_reply_to_account_id == viewer_id))
    return Post.id.in_(ids)


def _still_waiting(viewer_id: int) -> ColumnElement[bool]:
    """Not answered (a reply by the viewer), liked, or dismissed; nor from someone the viewer
    blocked or muted, or who blocked the viewer."""
    answer = alias_of(Post, "waiting_answer")
    answered = exists(select(answer.id).where(answer.in_reply_to_id == Post.id,
                                              answer.account_id == viewer_id))
    liked = exists(select(Like.id).where(Like.post_id == Post.id, Like.account_id == viewer_id))
    dismissed = exists(select(WaitingDismissal.post_id).where(
        WaitingDismissal.post_id == Post.id, WaitingDismissal.account_id == viewer_id))
    return and_(~answered, ~liked, ~dismissed, not_blocked_or_muted(viewer_id))


def _waiting(viewer_id: int) -> ColumnElement[bool]:
    return and_(Post.account_id != viewer_id, Post.repost_of_id.is_(None),
                _addressed_to(viewer_id), visible_to(viewer_id), _still_waiting(viewer_id))


async def waiting_posts(session: AsyncSession, *, viewer_id: int, page: Page) -> list[Post]:
    """A page of what waits for the viewer's answer, oldest first (paged by post id:
    min_id/since_id move on to newer items, max_id back to older ones)."""
    stmt = select(Post).where(_waiting(viewer_id))
    if page.max_id is not None:
        stmt = stmt.where(Post.id < page.max_id).order_by(Post.id.desc())
        rows = list((await session.scalars(stmt.limit(page.limit))).all())
        return list(reversed(rows))
    after = page.min_id if page.min_id is not None else page.since_id
    if after is not None:
        stmt = stmt.where(Post.id > after)
    return list((await session.scalars(stmt.order_by(Post.id).limit(page.limit))).all())


async def count_waiting(session: AsyncSession, *, viewer_id: int) -> int:
    """How many wait, up to COUNT_LIMIT."""
    inner = select(Post.id).where(_waiting(viewer_id)).limit(COUNT_LIMIT).subquery()
    return int(await session.scalar(select(func.count()).select_from(inner)) or 0)


async def dismiss(session: AsyncSession, *, viewer_id: int, post_id: int) -> Post:
    """Set a post aside without answering it (idempotent); it must be one the viewer sees."""
    post = await get_proper_post(session, post_id, viewer_id=viewer_id)
    await session.execute(
        dialect_of(session).insert_ignoring(WaitingDismissal, ["account_id", "post_id"])
        .values(account_id=viewer_id, post_id=post.id, created_at=utcnow()))
    return post


async def undismiss(session: AsyncSession, *, viewer_id: int, post_id: int) -> None:
    """Bring a dismissed post back (no-op when it was not dismissed)."""
    await session.execute(delete(WaitingDismissal).where(
        WaitingDismissal.account_id == viewer_id, WaitingDismissal.post_id == post_id))
