"""Timeline reads: public, hashtag, link, bookmarks and likes (home: timelines/home.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from parley.accounts.models import Account
from parley.lib.paging import Page
from parley.posts.models import Bookmark, Like, Post, PostTag, Tag
from parley.posts.visibility import (
    author_unrestricted,
    not_blocked_or_muted,
    visible_with_original,
)
from parley.store.sql import alias_of


def tag_key(name: str) -> str:
    """The lookup form of a hashtag as typed in a URL or a filter: no '#', lower case."""
    return name.strip().lstrip("#").lower()


async def _page_of_posts(session: AsyncSession, stmt: Select[Post], cursor: Any, page: Page
                         ) -> list[Post]:
    rows = (await session.scalars(page.apply(stmt, cursor))).all()
    return page.arrange(rows)


@dataclass(frozen=True)
class FeedFilter:
    """Switches shared by the public and hashtag timelines."""

    local: bool = False
    remote: bool = False
    only_media: bool = False


def _feed_conditions(filters: FeedFilter, *, by_visibility_index: bool = True
                     ) -> list[ColumnElement[bool]]:
    # A tag's posts are best found through the tag's own index: the coalesce() form keeps
    # planners (SQLite's above all) from scanning every public post by visibility instead.
    public = (Post.visibility == "public" if by_visibility_index
              else func.coalesce(Post.visibility, "") == "public")
    conditions: list[ColumnElement[bool]] = [public, Post.repost_of_id.is_(None),
                                             author_unrestricted()]
    if filters.local:
        conditions.append(Post.domain.is_(None))
    if filters.remote:
        conditions.append(Post.domain.is_not(None))
    if filters.only_media:
        conditions.append(Post.media_count > 0)
    return conditions


async def public_timeline(session: AsyncSession, *, page: Page, filters: FeedFilter,
                          viewer_id: int | None = None) -> list[Post]:
    """Public posts, newest first, without reposts or replies to others (as Mastodon), nor
    posts of accounts the viewer blocks or mutes or that block the viewer."""
    stmt = select(Post).where(
        *_feed_conditions(filters), not_blocked_or_muted(viewer_id),
        or_(Post.in_reply_to_id.is_(None), Post.in_reply_to_account_id == Post.account_id),
    )
    return await _page_of_posts(session, stmt, Post.id, page)


@dataclass(frozen=True)
class TagFilter:
    """The tag timeline's extra tags: any of, all of, none of."""

    any: Sequence[str] = field(default_factory=tuple)
    all: Sequence[str] = field(default_factory=tuple)
    none: Sequence[str] = field(default_factory=tuple)


async def _tag_ids(session: AsyncSession, names: Sequence[str]) -> dict[str, int]:
    keys = {tag_key(name) for name in names if tag_key(name)}
    if not keys:
        return {}
    rows = (await session.execute(select(Tag.name, Tag.id).where(Tag.name.in_(keys)))).all()
    return {str(row[0]): int(row[1]) for row in rows}


def _tagged(tag_ids: Sequence[int]) -> ColumnElement[bool]:
    other = alias_of(PostTag, "tl_other_tag")  # the outer query may join post_tags itself
    return exists(select(other.post_id).where(other.post_id == Post.id,
                                              other.tag_id.in_(tag_ids)))


async def tag_timeline(session: AsyncSession, *, tag: str, page: Page, filters: FeedFilter,
                       tags: TagFilter, viewer_id: int | None = None) -> list[Post]:
    """Public posts carrying `tag` (or any of `tags.any`), all of `tags.all`, none of
    `tags.none`, newest first."""
    known = await _tag_ids(session, [tag, *tags.any, *tags.all, *tags.none])
    wanted = [known[key] for key in {tag_key(tag), *map(tag_key, tags.any)} if key in known]
    if not wanted:
        return []
    if len(wanted) == 1:
        # The usual case: a range scan of the tag's (tag_id, post_id) primary key.
        stmt = select(Post).join(PostTag, and_(PostTag.post_id == Post.id,
                                               PostTag.tag_id == wanted[0]))
        cursor: Any = PostTag.post_id
    else:
        stmt = select(Post).where(Post.id.in_(select(PostTag.post_id)
                                              .where(PostTag.tag_id.in_(wanted))))
        cursor = Post.id
    stmt = stmt.where(*_feed_conditions(filters, by_visibility_index=False),
                      not_blocked_or_muted(viewer_id))
    for name in tags.all:
        if tag_key(name) not in known:
            return []
        stmt = stmt.where(_tagged([known[tag_key(name)]]))
    excluded = [known[tag_key(name)] for name in tags.none if tag_key(name) in known]
    if excluded:
        stmt = stmt.where(~_tagged(excluded))
    return await _page_of_posts(session, stmt, cursor, page)


async def link_timeline(session: AsyncSession, *, card_id: int, page: Page,
                        filters: FeedFilter, viewer_id: int | None = None) -> list[Post]:
    """Public, original posts that share the link whose card is `card_id`, by discoverable
    accounts (as Mastodon's link feed), newest first; paged by ix_posts_card_id_id."""
    stmt = (select(Post).join(Account, Account.id == Post.account_id)
            .where(Post.card_id == card_id, Account.discoverable.is_(True),
                   *_feed_conditions(filters, by_visibility_index=False),
                   not_blocked_or_muted(viewer_id)))
    return await _page_of_posts(session, stmt, Post.id, page)


async def _marked_posts(session: AsyncSession, mark: type[Bookmark] | type[Like], *,
                        viewer_id: int, page: Page) -> list[tuple[int, Post]]:
    stmt = (select(mark.id, Post).join(Post, Post.id == mark.post_id)
            .where(mark.account_id == viewer_id, visible_with_original(viewer_id)))
    rows = (await session.execute(page.apply(stmt, mark.id))).all()
    return page.arrange([(row[0], row[1]) for row in rows])


async def bookmarked_posts(session: AsyncSession, *, viewer_id: int, page: Page
                           ) -> list[tuple[int, Post]]:
    """(bookmark id, post) pairs, newest bookmark first; the bookmark id pages the list."""
    return await _marked_posts(session, Bookmark, viewer_id=viewer_id, page=page)


async def liked_posts(session: AsyncSession, *, viewer_id: int, page: Page
                      ) -> list[tuple[int, Post]]:
    """(like id, post) pairs, newest like first; the like id pages the list."""
    return await _marked_posts(session, Like, viewer_id=viewer_id, page=page)
