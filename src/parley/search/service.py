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
from parley.accounts.service import find_by_acct
from parley.config import Settings
from parley.lib.paging import Page
from parley.posts.models import Bookmark, Like, Mention, Post, Tag
from parley.posts.visibility import account_hidden, not_blocked_or_muted, visible_to
from parley.search.accounts import search_accounts
from parley.search.fulltext import matching_posts, parse_text_query
from parley.social.models import Block
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
    resolve: bool = False

    @property
    def one_handle(self) -> bool:
        """A single `@acct` (or `user@domain`): a person is meant, never posts or tags."""
        text = self.q.strip()
        return "@" in text and " " not in text

    @property
    def one_tag(self) -> bool:
        """A single `#tag`: a hashtag is meant, never posts or people."""
        text = self.q.strip()
        return text.startswith("#") and " " not in text


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
    """Tags starting with `query` (no '#', any case): the exact one first, when it exists
    (as Mastodon's ensure_exact_match), then the shortest."""
    prefix = query.strip().lstrip("#").lower()
    if not prefix or not re.fullmatch(r"\w+", prefix):
        return []
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    exact = normalise_name(prefix) or prefix
    return list((await session.scalars(
        select(Tag).where(Tag.name.like(pattern, escape="\\"))
        .order_by((Tag.name == exact).desc(), func.length(Tag.name), Tag.name)
        .limit(limit).offset(offset))).all())


async def _accounts(session: AsyncSession, settings: Settings, request: SearchRequest,
                    viewer_id: int | None, offset: int) -> list[Account]:
    """Prefix search on handles and names (exact handle first), without accounts that block
    the viewer or that the viewer blocks; but with `resolve`, the account named by its
    exact handle is found even when the viewer blocks it (clients unblock that way)."""
    found = await search_accounts(session, request.q, limit=request.limit, offset=offset,
                                  followed_by=viewer_id if request.following else None)
    if viewer_id is None or not found:
        return found
    hidden = set(await session.scalars(select(Account.id).where(
        Account.id.in_([account.id for account in found]),
        account_hidden(viewer_id, Account.id, Account.domain, mutes="none"))))
    kept = [account for account in found if account.id not in hidden]
    exact = await _exact_handle(session, settings, request, viewer_id, offset)
    if exact is not None:
        kept = [exact, *(account for account in kept if account.id != exact.id)]
    return kept[:request.limit]


async def _exact_handle(session: AsyncSession, settings: Settings, request: SearchRequest,
                        viewer_id: int, offset: int) -> Account | None:
    """With `resolve`, the account whose handle the query is, unless it blocks the viewer."""
    if not request.resolve or request.following or offset or " " in request.q.strip():
        return None
    account = await find_by_acct(session, settings, request.q)
    if account is None:
        return None
    blocks_viewer = await session.scalar(select(Block.id).where(
        Block.account_id == account.id, Block.target_account_id == viewer_id))
    return account if blocks_viewer is None else None


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
    # As Mastodon: a lone #tag looks for no people, a handle for no tags, neither for posts.
    if request.type in (None, "accounts") and not request.one_tag:
        results.accounts = await _accounts(session, settings, request, viewer_id, offset)
    if request.type in (None, "hashtags") and "@" not in request.q:
        results.tags = await search_tags(session, request.q, limit=request.limit,
                                         offset=offset,
                                         exclude_unreviewed=request.exclude_unreviewed)
    if (request.type in (None, "statuses") and viewer_id is not None
            and not request.one_handle and not request.one_tag):
        results.posts = await search_posts(
            session, request.q, viewer_id, limit=request.limit, offset=offset,
            account_id=request.account_id, max_id=request.max_id, min_id=request.min_id)
    return results
