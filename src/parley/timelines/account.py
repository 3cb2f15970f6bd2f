"""An account's own timeline: its posts and reposts as one viewer may see them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.lib.paging import Page
from parley.posts.models import Post, PostTag, Tag
from parley.posts.visibility import original_not_excluded, visible_with_original


@dataclass(frozen=True)
class AccountPostsFilter:
    """Mastodon's account-statuses switches."""

    exclude_replies: bool = False
    exclude_reposts: bool = False
    tagged: str | None = None


async def account_posts(session: AsyncSession, account_id: int, *, viewer_id: int | None,
                        page: Page, filters: AccountPostsFilter) -> list[Post]:
    """A page of the account's posts, newest first, filtered by what the viewer may see
    (nothing when the account blocks the viewer); reposts of accounts the viewer blocks or
    mutes are left out, as in feeds."""
    stmt = select(Post).where(Post.account_id == account_id, visible_with_original(viewer_id),
                              original_not_excluded(viewer_id))
    if filters.exclude_replies:
        # Threads an author continues with themself still count as their own posts.
        stmt = stmt.where(or_(Post.in_reply_to_id.is_(None),
                              Post.in_reply_to_account_id == account_id))
    if filters.exclude_reposts:
        stmt = stmt.where(Post.repost_of_id.is_(None))
    if filters.tagged:
        tagged_ids = (select(PostTag.post_id).join(Tag, Tag.id == PostTag.tag_id)
                      .where(Tag.name == filters.tagged.lower().lstrip("#")))
        stmt = stmt.where(Post.id.in_(tagged_ids))
    return page.arrange(list((await session.scalars(page.apply(stmt, Post.id))).all()))
