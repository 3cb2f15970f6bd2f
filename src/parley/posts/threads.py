"""Conversations: a post's ancestors and descendants, from one query over its thread (through
the ORM, or as rows on the raw read path)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import NotFound
from parley.posts.lookup import get_proper_post
from parley.posts.models import Post
from parley.posts.rows import (
    POST_JOINS,
    POST_SELECT,
    PostRow,
    RowBatch,
    load_exclusions,
)
from parley.posts.visibility import not_blocked_or_muted, visible_to
from parley.store.rawsql import Reader, Sql

# As many ancestors and descendants as Mastodon returns to a signed-in viewer.
CONTEXT_LIMIT = 4096


@dataclass
class ThreadContext:
    """Ancestors root first; descendants depth-first, each level in reply order."""

    post: Post
    ancestors: list[Post] = field(default_factory=list)
    descendants: list[Post] = field(default_factory=list)


N = TypeVar("N")


@dataclass
class _Tree(Generic[N]):
    """A thread by id, for ORM posts or rows alike."""

    posts: dict[int, N]
    visible: set[int]
    children: dict[int, list[int]]
    parents: dict[int, int | None] = field(default_factory=dict)

    def add(self, post: N, post_id: int, parent_id: int | None, visible: Any) -> None:
        self.posts[post_id] = post
        self.parents[post_id] = parent_id
        if visible:
            self.visible.add(post_id)
        if parent_id is not None:
            self.children[parent_id].append(post_id)  # ids ascend: reply order


async def _load_thread(session: AsyncSession, thread_id: int, viewer_id: int | None
                       ) -> _Tree[Post]:
    """The whole thread in one query on (thread_id, id), each post flagged visible or not.

    Hidden posts stay in the tree so that replies the viewer may see below a post they may
    not are still found (as in Mastodon); the hidden posts themselves are never returned.
    Posts by accounts the viewer blocks or mutes (or that block the viewer) count as hidden.
    """
    shown = and_(visible_to(viewer_id), not_blocked_or_muted(viewer_id))
    rows = await session.execute(
        select(Post, shown.label("visible"))
        .where(Post.thread_id == thread_id, Post.repost_of_id.is_(None))
        .order_by(Post.id))
    tree: _Tree[Post] = _Tree(posts={}, visible=set(), children=defaultdict(list))
    for post, visible in rows.tuples():
        tree.add(post, post.id, post.in_reply_to_id, visible)
    return tree


def _ancestors(tree: _Tree[N], post_id: int, parent_id: int | None) -> list[N]:
    chain: list[N] = []
    seen = {post_id}
    while parent_id is not None and parent_id in tree.posts and parent_id not in seen:
        seen.add(parent_id)
        if parent_id in tree.visible:
            chain.append(tree.posts[parent_id])
        parent_id = tree.parents.get(parent_id)
    return list(reversed(chain[:CONTEXT_LIMIT]))


def _descendants(tree: _Tree[N], post_id: int) -> list[N]:
    found: list[N] = []
    stack = list(reversed(tree.children.get(post_id, [])))
    seen = {post_id}
    while stack and len(found) < CONTEXT_LIMIT:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        if current in tree.visible:
            found.append(tree.posts[current])
        stack.extend(reversed(tree.children.get(current, [])))
    return found


async def thread_context(session: AsyncSession, *, post_id: int, viewer_id: int | None
                         ) -> ThreadContext:
    """The conversation around a post the viewer may see (a repost stands for its original)."""
    post = await get_proper_post(session, post_id, viewer_id=viewer_id)
    tree = await _load_thread(session, post.thread_id, viewer_id)
    tree.posts.setdefault(post.id, post)
    return ThreadContext(post=post, ancestors=_ancestors(tree, post.id, post.in_reply_to_id),
                         descendants=_descendants(tree, post.id))


@dataclass
class RowContext:
    """ThreadContext as rows, with the batch that loaded them (for render_rows)."""

    post: PostRow
    ancestors: list[PostRow]
    descendants: list[PostRow]
    batch: RowBatch


_THREAD = Sql(f"SELECT {POST_SELECT} FROM posts p {POST_JOINS} "
              "WHERE p.thread_id = :thread AND p.repost_of_id IS NULL ORDER BY p.id")
async def _proper_row(batch: RowBatch, post_id: int) -> PostRow:
    """get_proper_post on rows: visible (with its original), a repost standing for it."""
    await batch.load_posts([post_id])
    post = batch.posts.get(post_id)
    if post is None or not post.visible:
        raise NotFound()
    if post.repost_of_id is None:
        return post
    await batch.load_posts([post.repost_of_id])
    original = batch.posts.get(post.repost_of_id)
    if original is None or not original.visible:
        raise NotFound()
    return original


async def thread_context_rows(reader: Reader, *, post_id: int, viewer_id: int | None
                              ) -> RowContext:
    """thread_context on the raw read path: the same tree walk over rows."""
    batch = RowBatch(reader, viewer_id)
    post = await _proper_row(batch, post_id)
    hidden = await load_exclusions(reader, viewer_id)
    batch.has_filters = hidden.has_filters
    rows: Sequence[PostRow] = batch.add(await reader.fetch(
        _THREAD, {"thread": post.thread_id, "viewer": batch.viewer_param}))
    tree: _Tree[PostRow] = _Tree(posts={}, visible=set(), children=defaultdict(list))
    for row in rows:
        tree.add(row, row.id, row.in_reply_to_id,
                 row.visible and not hidden.hides(row.account_id, row.domain))
    tree.posts.setdefault(post.id, post)
    return RowContext(post, _ancestors(tree, post.id, post.in_reply_to_id),
                      _descendants(tree, post.id), batch)
