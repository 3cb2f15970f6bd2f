"""An account's own timeline: its posts and reposts as one viewer may see them, and its
pinned posts (through the ORM, or as rows on the raw read path)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from parley.lib.ids import MAX_ID
from parley.lib.paging import Page
from parley.posts.models import Post, PostTag, Tag
from parley.posts.rows import POST_JOINS, POST_SELECT, PostRow, RowBatch
from parley.posts.visibility import (
    account_hidden,
    original_not_excluded,
    visible_condition,
    visible_to,
    visible_with_original,
)
from parley.store.rawsql import Fragment, Reader, Sql, param, reader_now


@dataclass(frozen=True)
class AccountPostsFilter:
    """Mastodon's account-statuses switches."""

    exclude_replies: bool = False
    exclude_reposts: bool = False
    tagged: str | None = None
    exclude_direct: bool = False  # leave out direct posts (Mastodon.py, Mastodon's apps)
    only_media: bool = False  # posts with attachments (posts.media_count)


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
    if filters.exclude_direct:
        stmt = stmt.where(Post.visibility != "direct")
    if filters.tagged:
        tagged_ids = (select(PostTag.post_id).join(Tag, Tag.id == PostTag.tag_id)
                      .where(Tag.name == filters.tagged.lower().lstrip("#")))
        stmt = stmt.where(Post.id.in_(tagged_ids))
    if filters.only_media:
        stmt = stmt.where(Post.media_count > 0)
    return page.arrange(list((await session.scalars(page.apply(stmt, Post.id))).all()))


# --- The raw read (store/rawsql; docs/decisions.md "The read path") ------------------------

_POST, _ORIGINAL = aliased(Post, name="p"), aliased(Post, name="o")
# original_not_excluded: a repost's original must be visible and not by an account hidden
# from the viewer. Correlated: only reposts evaluate it, cheaper than a viewer-context
# statement for every page.
_ORIGINAL_SHOWS = Fragment(lambda: or_(
    _POST.repost_of_id.is_(None),
    exists(select(_ORIGINAL.id).where(
        _ORIGINAL.id == _POST.repost_of_id, visible_to(param("viewer"), _ORIGINAL),
        ~account_hidden(param("viewer"), _ORIGINAL.account_id, _ORIGINAL.domain,
                        now=param("now"))))))
_ACCOUNT_EXISTS = Sql("SELECT id FROM accounts WHERE id = :account")


@functools.cache
def _posts_sql(ascending: bool, replies: bool, reposts: bool, tagged: bool, direct: bool,
               media: bool = False) -> Sql:
    """account_posts as one statement (64 shapes at most, each built once)."""
    where = ["p.account_id = :account", "p.id < :upper", "p.id > :lower",
             str(visible_condition("p")), str(_ORIGINAL_SHOWS)]
    if not replies:
        where.append("(p.in_reply_to_id IS NULL OR p.in_reply_to_account_id = :account)")
    if not reposts:
        where.append("p.repost_of_id IS NULL")
    if not direct:
        where.append("p.visibility <> 'direct'")
    if media:
        where.append("p.media_count > 0")
    if tagged:
        where.append("p.id IN (SELECT pt.post_id FROM post_tags pt JOIN tags t "
                     "ON t.id = pt.tag_id WHERE t.name = :tag)")
    return Sql(f"SELECT {POST_SELECT} FROM posts p {POST_JOINS} WHERE {' AND '.join(where)} "
               f"ORDER BY p.id {'ASC' if ascending else 'DESC'} LIMIT :limit")


@functools.cache
def _pins_sql(ascending: bool) -> Sql:
    """An account's pins the viewer may see, as one statement: the pin id first, then
    POST_SELECT."""
    return Sql(f"SELECT pp.id, {POST_SELECT} FROM post_pins pp "
               f"JOIN posts p ON p.id = pp.post_id {POST_JOINS} "
               "WHERE pp.account_id = :account AND p.account_id = :account "
               f"AND {visible_condition('p')} AND pp.id < :upper AND pp.id > :lower "
               f"ORDER BY pp.id {'ASC' if ascending else 'DESC'} LIMIT :limit")


async def account_exists(reader: Reader, account_id: int) -> bool:
    return bool(await reader.fetch(_ACCOUNT_EXISTS, {"account": account_id}))


def _page_params(batch: RowBatch, account_id: int, page: Page) -> dict[str, Any]:
    return {"account": account_id, "viewer": batch.viewer_param, "limit": page.limit,
            "upper": page.max_id if page.max_id is not None else MAX_ID,
            "lower": max(page.since_id or 0, page.min_id or 0)}


async def account_rows(reader: Reader, account_id: int, *, viewer_id: int | None, page: Page,
                       filters: AccountPostsFilter) -> tuple[list[PostRow], RowBatch]:
    """account_posts on the raw read path: the page as rows, with the batch that read them
    (for render_rows)."""
    batch = RowBatch(reader, viewer_id)
    sql = _posts_sql(page.ascending, not filters.exclude_replies, not filters.exclude_reposts,
                     bool(filters.tagged), not filters.exclude_direct, filters.only_media)
    params = {**_page_params(batch, account_id, page), "now": reader_now(reader)}
    if filters.tagged:
        params["tag"] = filters.tagged.lower().lstrip("#")
    rows = batch.add(await reader.fetch(sql, params))
    return page.arrange(rows), batch


async def pinned_rows(reader: Reader, account_id: int, *, viewer_id: int | None, page: Page
                      ) -> tuple[list[tuple[int, PostRow]], RowBatch]:
    """(pin id, post) pairs of the account's pins the viewer may see, newest pin first."""
    batch = RowBatch(reader, viewer_id)
    found = await reader.fetch(_pins_sql(page.ascending), _page_params(batch, account_id, page))
    posts = batch.add(row[1:] for row in found)
    return page.arrange([(int(row[0]), post) for row, post in zip(found, posts, strict=True)]
                        ), batch
