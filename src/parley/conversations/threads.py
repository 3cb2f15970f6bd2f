"""The conversation-first listing: threads the viewer takes part in, and threads among the
people they follow, ordered by their latest reply, with participants and newest replies.

Query-only: every post it returns passes visible_to(viewer), so a thread shows only the part
the viewer may see (its root may be hidden, its replies still listed).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from parley.accounts.models import Account
from parley.lib.paging import Page
from parley.posts.models import Mention, Post
from parley.posts.visibility import not_blocked_or_muted, visible_to
from parley.social.models import Follow
from parley.store.sql import alias_of

NEWEST_REPLIES = 3
MAX_PARTICIPANTS = 8
# A chat-like thread view shows at most this many of the latest messages.
THREAD_VIEW_LIMIT = 500


@dataclass
class ThreadSummary:
    """One conversation as a listing shows it."""

    thread_id: int
    latest_id: int
    posts_count: int
    root: Post | None = None
    participants: list[Account] = field(default_factory=list)
    newest: list[Post] = field(default_factory=list)


def _involved_threads(viewer_id: int, *, direct: bool) -> Select[Any]:
    """Threads with a post by the viewer, or a reply by someone they follow; with `direct`,
    threads holding a direct message the viewer wrote or was addressed in."""
    post = alias_of(Post, "thread_post")
    if direct:
        addressed = exists(select(Mention.post_id).where(Mention.post_id == post.id,
                                                          Mention.account_id == viewer_id))
        return select(post.thread_id).where(post.visibility == "direct",
                                            or_(post.account_id == viewer_id, addressed))
    followed = select(Follow.target_account_id).where(Follow.account_id == viewer_id,
                                                      Follow.state == "accepted")
    return select(post.thread_id).where(post.repost_of_id.is_(None), or_(
        post.account_id == viewer_id,
        and_(post.account_id.in_(followed), post.in_reply_to_id.is_not(None))))


def _counted(viewer_id: int, *, direct: bool) -> list[ColumnElement[bool]]:
    # A conversation is its replies; a direct message counts from its first post on.
    conditions = [Post.repost_of_id.is_(None), visible_to(viewer_id),
                  not_blocked_or_muted(viewer_id)]
    if not direct:
        conditions.append(Post.in_reply_to_id.is_not(None))
    return conditions


async def _page_of_threads(session: AsyncSession, viewer_id: int, page: Page, *, direct: bool
                           ) -> list[ThreadSummary]:
    latest = func.max(Post.id)
    stmt = (select(Post.thread_id, latest, func.count(Post.id))
            .where(Post.thread_id.in_(_involved_threads(viewer_id, direct=direct)),
                   *_counted(viewer_id, direct=direct))
            .group_by(Post.thread_id))
    if page.max_id is not None:
        stmt = stmt.having(latest < page.max_id)
    after = page.min_id if page.min_id is not None else page.since_id
    if after is not None:
        stmt = stmt.having(latest > after)
    order = latest.asc() if page.ascending else latest.desc()
    rows = (await session.execute(stmt.order_by(order).limit(page.limit))).tuples().all()
    summaries = [ThreadSummary(thread_id=thread_id, latest_id=int(latest_id),
                               posts_count=int(count)) for thread_id, latest_id, count in rows]
    return page.arrange(summaries)


async def _participants(session: AsyncSession, viewer_id: int, thread_ids: Sequence[int]
                        ) -> dict[int, list[Account]]:
    """Each thread's visible authors, the most active first."""
    rows = (await session.execute(
        select(Post.thread_id, Post.account_id, func.count(Post.id), func.min(Post.id))
        .where(Post.thread_id.in_(thread_ids), Post.repost_of_id.is_(None),
               visible_to(viewer_id), not_blocked_or_muted(viewer_id))
        .group_by(Post.thread_id, Post.account_id))).tuples().all()
    ranked: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for thread_id, account_id, count, first in rows:
        ranked[thread_id].append((-int(count), int(first), account_id))
    wanted = {entry[2] for entries in ranked.values() for entry in entries}
    accounts = {account.id: account for account in (await session.scalars(
        select(Account).where(Account.id.in_(wanted)))).all()} if wanted else {}
    return {thread_id: [accounts[a] for _c, _f, a in sorted(entries)[:MAX_PARTICIPANTS]
                        if a in accounts]
            for thread_id, entries in ranked.items()}


async def _newest(session: AsyncSession, viewer_id: int, thread_ids: Sequence[int], *,
                  direct: bool, count: int) -> dict[int, list[Post]]:
    """The `count` newest visible posts of each thread (replies only, unless direct)."""
    rank = func.row_number().over(partition_by=Post.thread_id, order_by=Post.id.desc())
    ranked = (select(Post.id.label("post_id"), rank.label("rank"))
              .where(Post.thread_id.in_(thread_ids), *_counted(viewer_id, direct=direct))
              .subquery())
    posts = (await session.scalars(
        select(Post).join(ranked, ranked.c.post_id == Post.id)
        .where(ranked.c.rank <= count).order_by(Post.id))).all()
    grouped: dict[int, list[Post]] = defaultdict(list)
    for post in posts:
        grouped[post.thread_id].append(post)
    return grouped


async def conversation_threads(session: AsyncSession, *, viewer_id: int, page: Page,
                               direct: bool = False, newest: int = NEWEST_REPLIES
                               ) -> list[ThreadSummary]:
    """A page of conversations, the most recently active first, paged by the id of each
    thread's latest post (max_id: older conversations)."""
    summaries = await _page_of_threads(session, viewer_id, page, direct=direct)
    if not summaries:
        return []
    ids = [summary.thread_id for summary in summaries]
    roots = {post.id: post for post in (await session.scalars(
        select(Post).where(Post.id.in_(ids), visible_to(viewer_id)))).all()}
    participants = await _participants(session, viewer_id, ids)
    latest = await _newest(session, viewer_id, ids, direct=direct, count=newest)
    for summary in summaries:
        summary.root = roots.get(summary.thread_id)
        summary.participants = participants.get(summary.thread_id, [])
        summary.newest = latest.get(summary.thread_id, [])
    return summaries


async def thread_posts(session: AsyncSession, *, thread_id: int, viewer_id: int,
                       limit: int = THREAD_VIEW_LIMIT) -> list[Post]:
    """The latest `limit` posts of a thread the viewer may see, oldest first (a chat view)."""
    rows = (await session.scalars(
        select(Post).where(Post.thread_id == thread_id, Post.repost_of_id.is_(None),
                           visible_to(viewer_id))
        .order_by(Post.id.desc()).limit(limit))).all()
    return list(reversed(rows))
