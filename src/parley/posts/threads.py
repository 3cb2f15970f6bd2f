"""Conversations: a post's ancestors and descendants, from one query over its thread."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.posts.lookup import get_proper_post
from parley.posts.models import Post
from parley.posts.visibility import not_blocked_or_muted, visible_to

# As many ancestors and descendants as Mastodon returns to a signed-in viewer.
CONTEXT_LIMIT = 4096


@dataclass
class ThreadContext:
    """Ancestors root first; descendants depth-first, each level in reply order."""

    post: Post
    ancestors: list[Post] = field(default_factory=list)
    descendants: list[Post] = field(default_factory=list)


@dataclass
class _Tree:
    posts: dict[int, Post]
    visible: set[int]
    children: dict[int, list[int]]


async def _load_thread(session: AsyncSession, thread_id: int, viewer_id: int | None) -> _Tree:
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
    tree = _Tree(posts={}, visible=set(), children=defaultdict(list))
    for post, visible in rows.tuples():
        tree.posts[post.id] = post
        if visible:
            tree.visible.add(post.id)
        if post.in_reply_to_id is not None:
            tree.children[post.in_reply_to_id].append(post.id)  # ids ascend: reply order
    return tree


def _ancestors(tree: _Tree, post: Post) -> list[Post]:
    chain: list[Post] = []
    seen = {post.id}
    parent_id = post.in_reply_to_id
    while parent_id is not None and parent_id in tree.posts and parent_id not in seen:
        seen.add(parent_id)
        parent = tree.posts[parent_id]
        if parent_id in tree.visible:
            chain.append(parent)
        parent_id = parent.in_reply_to_id
    return list(reversed(chain[:CONTEXT_LIMIT]))


def _descendants(tree: _Tree, post: Post) -> list[Post]:
    found: list[Post] = []
    stack = list(reversed(tree.children.get(post.id, [])))
    seen = {post.id}
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
    return ThreadContext(post=post, ancestors=_ancestors(tree, post),
                         descendants=_descendants(tree, post))
