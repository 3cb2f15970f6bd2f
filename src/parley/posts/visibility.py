"""Who may see a post: the one rule every endpoint applies, as SQL and in Python.

public/unlisted: everyone. private (followers-only): the author, accepted followers and the
accounts it mentions. direct: the author and the accounts it mentions.
"""

from __future__ import annotations

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from parley.posts.models import DISTRIBUTABLE, Mention, Post
from parley.social.models import Follow


def visible_to(viewer_id: int | None, post: type[Post] = Post) -> ColumnElement[bool]:
    """A WHERE clause keeping only posts `viewer_id` (None: signed out) may see.

    `post` may be an aliased Post when the query joins posts twice (reposts, quotes).
    """
    public = post.visibility.in_(DISTRIBUTABLE)
    if viewer_id is None:
        return public
    mentioned = exists(select(Mention.post_id).where(Mention.post_id == post.id,
                                                      Mention.account_id == viewer_id))
    follows_author = exists(select(Follow.id).where(Follow.account_id == viewer_id,
                                                    Follow.target_account_id == post.account_id,
                                                    Follow.state == "accepted"))
    return or_(
        public,
        post.account_id == viewer_id,
        mentioned,
        and_(post.visibility == "private", follows_author),
    )


async def can_view(session: AsyncSession, post: Post, viewer_id: int | None) -> bool:
    """The same rule for one post already loaded."""
    if post.visibility in DISTRIBUTABLE:
        return True
    if viewer_id is None:
        return False
    if post.account_id == viewer_id:
        return True
    mentioned = await session.scalar(select(Mention.post_id).where(
        Mention.post_id == post.id, Mention.account_id == viewer_id))
    if mentioned is not None:
        return True
    if post.visibility != "private":
        return False
    follow = await session.scalar(select(Follow.id).where(
        Follow.account_id == viewer_id, Follow.target_account_id == post.account_id,
        Follow.state == "accepted"))
    return follow is not None
