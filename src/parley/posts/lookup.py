"""Finding posts as a viewer may see them: one post, several, the original of a repost."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import NotFound
from parley.posts.models import Post
from parley.posts.visibility import visible_with_original


async def get_post(session: AsyncSession, post_id: int, *, viewer_id: int | None) -> Post:
    """The post, or NotFound when it does not exist or the viewer may not see it (never
    Forbidden, which would reveal that it exists). A repost needs its original visible too."""
    post = await session.scalar(select(Post).where(Post.id == post_id,
                                                   visible_with_original(viewer_id)))
    if post is None:
        raise NotFound()
    return post


async def get_proper_post(session: AsyncSession, post_id: int, *, viewer_id: int | None
                          ) -> Post:
    """Like get_post, but a repost's id stands for the post it reposts (as clients use it)."""
    post = await get_post(session, post_id, viewer_id=viewer_id)
    if post.repost_of_id is None:
        return post
    original = await session.get(Post, post.repost_of_id)
    if original is None:
        raise NotFound()
    return original


async def get_posts(session: AsyncSession, post_ids: Sequence[int], *, viewer_id: int | None
                    ) -> list[Post]:
    """The visible posts among `post_ids`, in the order asked, each once; others skipped."""
    wanted = list(dict.fromkeys(post_ids))
    if not wanted:
        return []
    rows = await session.scalars(select(Post).where(Post.id.in_(wanted),
                                                    visible_with_original(viewer_id)))
    found = {post.id: post for post in rows}
    return [found[post_id] for post_id in wanted if post_id in found]
