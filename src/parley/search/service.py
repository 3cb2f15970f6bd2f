"""Search services: posts the searcher may see by full text, accounts and hashtags by prefix,
and the local URLs of accounts and posts.

Posts are searched only for signed-in people, as in Mastodon, and among what they may see
(the visibility rule, without authors they block, mute or are blocked by). Others' posts are
searchable when their author is `indexable`, or when the searcher took part in them (was
mentioned, liked or bookmarked them); one's own posts always are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from parley.accounts.models import Account
from parley.config import Settings
from parley.lib.paging import Page
from parley.posts.models import Bookmark, Like, Mention, Post, Tag
from parley.posts.visibility import account_hidden, not_blocked_or_muted, visible_to
from parley.search.accounts import search_accounts
from parley.search.fulltext import matching_posts, parse_text_query
from parley.store.dialect import Dialect, dialect_of
from parley.tags.service import normalise_name

SEARCH_TYPES = ("accounts", "hashtags", "statuses")
_LOCAL_POST_PATH = re.compile(r"^/(?:@[A-Za-z0-9_]+|users/[A-Za-z0-9_]+/statuses)/(\d{1,19})$")
_LOCAL_ACCOUNT_PATH = re.compile(r"^/(?:@|users/)([A-Za-z0-9_]{1,30})$")


@dataclass(frozen=True)
class SearchRequest:
    """Mastodon's /api/v2/search parameters, checked by the API layer."""

    q: str
    type: str | None = None
    limit: int = 20
    offset: int = 0
    following: bool = False
    account_id: int | None = None
    max_id: int | None = None
    min_id: int | None = None
    exclude_unreviewed: bool = False


@dataclass
class SearchResults:
    accounts: list[Account] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)


def _searchable(viewer_id: int) -> ColumnElement[bool]:
    """Own posts, posts by indexable authors, and posts the viewer took part in."""
    return or_(
        Post.account_id == viewer_id,
        exists(select(Account.id).where(Account.id == Post.account_id,
                                        Account.indexable.is_(True))),
        exists(select(Mention.post_id).where(Mention.post_id == Post.id,
                                             Mention.account_id == viewer_id)),
        exists(select(Like.id).where(Like.post_id == Post.id, Like.account_id == viewer_id)),
        exists(select(Bookmark.id).where(Bookmark.post_id == Post.id,
                                         Bookmark.account_id == viewer_id)),
    )


def posts_query(dialect: Dialect, query: str, viewer_id: int, *, page: Page, offset: int = 0,
                account_id: int | None = None) -> Select[Post] | None:
    """The statement search_posts runs (None: nothing to look for); apart for benchmarks."""
    parsed = parse_text_query(query)
    if parsed.empty:
        return None
    stmt, cursor = matching_posts(dialect, parsed)
    stmt = stmt.where(visible_to(viewer_id), not_blocked_or_muted(viewer_id),
                      _searchable(viewer_id))
    if account_id is not None:
        stmt = stmt.where(Post.account_id == account_id)
    return page.apply(stmt, cursor).offset(offset)


async def search_posts(session: AsyncSession, query: str, viewer_id: int, *, limit: int = 20,
                       offset: int = 0, account_id: int | None = None,
                       max_id: int | None = None, min_id: int | None = None) -> list[Post]:
    """Posts containing every word (and "phrase") of `query` that the viewer may see and
    search, newest first; SQLite FTS5 or PostgreSQL full text underneath."""
    page = Page(max_id=max_id, min_id=min_id, limit=limit)
    dialect = dialect_of(session)
    stmt = posts_query(dialect, query, viewer_id, page=page, offset=offset,
                       account_id=account_id)
    if stmt is None:
        return []
    await dialect.tune_text_search(session)
    return page.arrange((await session.scalars(stmt)).all())


async def search_tags(session: AsyncSession, query: str, *, limit: int, offset: int = 0,
                      exclude_unreviewed: bool = False) -> list[Tag]:
    """Tags starting with `query` (no '#', any case), the exact one first, then shortest.
    A valid name nobody used yet comes first as an unsaved tag (id 0), as in Mastodon,
    unless only reviewed (existing) tags are wanted."""
    prefix = query.strip().lstrip("#").lower()
    if not prefix or not re.fullmatch(r"\w+", prefix):
        return []
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    tags = list((await session.scalars(
        select(Tag).where(Tag.name.like(pattern, escape="\\"))
        .order_by((Tag.name == prefix).desc(), func.length(Tag.name), Tag.name)
        .limit(limit).offset(offset))).all())
    exact = normalise_name(prefix)
    if (offset == 0 and not exclude_unreviewed and exact is not None
            and not any(tag.name == exact for tag in tags)):
        tags = [Tag(id=0, name=exact, display_name=query.strip().lstrip("#")), *tags][:limit]
    return tags


async def _accounts(session: AsyncSession, request: SearchRequest, viewer_id: int | None,
                    offset: int) -> list[Account]:
    """Prefix search on handles and names (exact handle first), without accounts that block
    the viewer or that the viewer blocks."""
    found = await search_accounts(session, request.q, limit=request.limit, offset=offset,
                                  followed_by=viewer_id if request.following else None)
    if viewer_id is None or not found:
        return found
    hidden = set(await session.scalars(select(Account.id).where(
        Account.id.in_([account.id for account in found]),
        account_hidden(viewer_id, Account.id, Account.domain, mutes="none"))))
    return [account for account in found if account.id not in hidden]


async def resolve_local_url(session: AsyncSession, settings: Settings, url: str,
                            viewer_id: int | None) -> SearchResults | None:
    """An account or post named by its URL or URI (None when `url` is not a URL). Remote
    URLs are only found when already known; fetching them arrives with federation."""
    if not url.startswith(("http://", "https://")):
        return None
    results = SearchResults()
    account: Account | None = await session.scalar(select(Account).where(Account.uri == url))
    post: Post | None = await session.scalar(select(Post).where(Post.uri == url,
                                                                visible_to(viewer_id)))
    parts = urlsplit(url)
    if parts.netloc.lower() == settings.domain.lower():
        if match := _LOCAL_POST_PATH.match(parts.path):
            post = post or await session.scalar(select(Post).where(
                Post.id == int(match[1]), Post.domain.is_(None), visible_to(viewer_id)))
        elif match := _LOCAL_ACCOUNT_PATH.match(parts.path):
            account = account or await session.scalar(select(Account).where(
                Account.acct_key == match[1].lower()))
    if post is not None and post.repost_of_id is None:
        results.posts.append(post)
    if account is not None:
        results.accounts.append(account)
    return results


async def search(session: AsyncSession, *, request: SearchRequest, viewer_id: int | None,
                 settings: Settings) -> SearchResults:
    """Accounts, hashtags and posts for one query; `type` narrows it to one kind, and only
    then does `offset` apply (as in Mastodon)."""
    resolved = await resolve_local_url(session, settings, request.q.strip(), viewer_id)
    if resolved is not None:
        return SearchResults(
            accounts=resolved.accounts if request.type in (None, "accounts") else [],
            posts=resolved.posts if request.type in (None, "statuses") else [])
    offset = request.offset if request.type else 0
    results = SearchResults()
    if request.type in (None, "accounts"):
        results.accounts = await _accounts(session, request, viewer_id, offset)
    if request.type in (None, "hashtags"):
        results.tags = await search_tags(session, request.q, limit=request.limit,
                                         offset=offset,
                                         exclude_unreviewed=request.exclude_unreviewed)
    if request.type in (None, "statuses") and viewer_id is not None:
        results.posts = await search_posts(
            session, request.q, viewer_id, limit=request.limit, offset=offset,
            account_id=request.account_id, max_id=request.max_id, min_id=request.min_id)
    return results
