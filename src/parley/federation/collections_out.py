"""An account's collections as other servers read them, in Mastodon's shapes: `followers`
and `following` list the accounts' ids, newest follow first, 12 to a page, when the account
shows its network (else the collection gives its size only and its pages are refused); the
`outbox` lists its public and unlisted posts' Creates and its reposts' Announces, newest
first, 20 to a page (nothing else is ever listed). A collection names its first page, each
page the next by max_id. Authorized fetch and blocks apply as to every document
(routes.allowed_account)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from starlette.responses import Response

from parley.accounts.models import Account
from parley.config import Settings
from parley.errors import Forbidden, NotFound
from parley.federation import notes_out
from parley.federation.interactions_out import announce
from parley.federation.quotes_out import quote_fields
from parley.federation.routes import activity_json, allowed_account
from parley.federation.vocab import CONTEXT
from parley.lib.ids import parse_cursor
from parley.lib.paging import Page
from parley.media.storage import storage_for
from parley.posts.models import DISTRIBUTABLE, Post
from parley.posts.remote import post_uris
from parley.posts.rows import PostPage, load_page
from parley.social.service import follow_page
from parley.store.rawwrite import SessionSql

router = APIRouter(include_in_schema=False)
FOLLOWS_PER_PAGE = 12  # Mastodon's
OUTBOX_PER_PAGE = 20  # Mastodon's


def page_url(collection: str, max_id: int | None = None) -> str:
    return f"{collection}?page=true" + (f"&max_id={max_id}" if max_id is not None else "")


def collection_document(collection: str, total: int, *, paged: bool) -> dict[str, Any]:
    """The collection itself: its size, and (`paged`) where its first page is."""
    document: dict[str, Any] = {"@context": CONTEXT, "id": collection,
                                "type": "OrderedCollection", "totalItems": total}
    if paged:
        document["first"] = page_url(collection)
    return document


def page_document(collection: str, max_id: int | None, items: list[Any],
                  next_id: int | None, total: int) -> dict[str, Any]:
    """One page: its items, and the next page's address when there are more."""
    document: dict[str, Any] = {"@context": CONTEXT, "id": page_url(collection, max_id),
                                "type": "OrderedCollectionPage", "totalItems": total,
                                "partOf": collection, "orderedItems": items}
    if next_id is not None:
        document["next"] = page_url(collection, next_id)
    return document


def _page_asked(request: Request) -> tuple[bool, int | None]:
    """Whether a page is asked for, and from which cursor (a bad cursor: not found)."""
    if request.query_params.get("page") is None:
        return False, None
    raw = request.query_params.get("max_id")
    cursor = parse_cursor(raw) if raw is not None else None
    if raw is not None and cursor is None:
        raise NotFound()
    return True, cursor


async def _follows(request: Request, username: str, direction: str) -> Response:
    db, account = await allowed_account(request, username)
    uri = f"{account.uri}/{direction}"
    total = account.followers_count if direction == "followers" else account.following_count
    shown = account.shows_collections_to(None)
    paged, max_id = _page_asked(request)
    if not paged:
        return activity_json(collection_document(uri, total, paged=shown))
    if not shown:
        raise Forbidden("This account does not show its network")
    async with db.read() as session:
        rows = await follow_page(session, account.id, direction=direction,
                                 page=Page(max_id=max_id, limit=FOLLOWS_PER_PAGE + 1))
    more = rows[FOLLOWS_PER_PAGE - 1][0] if len(rows) > FOLLOWS_PER_PAGE else None
    items = [other.uri for _follow_id, other in rows[:FOLLOWS_PER_PAGE]
             if other.suspended_at is None]
    return activity_json(page_document(uri, max_id, items, more, total))


@router.get("/users/{username}/followers")
async def followers(request: Request, username: str) -> Response:
    return await _follows(request, username, "followers")


@router.get("/users/{username}/following")
async def following(request: Request, username: str) -> Response:
    return await _follows(request, username, "following")


async def _outbox_ids(session: AsyncSession, account_id: int, max_id: int | None
                      ) -> list[int]:
    """A page of the account's listed posts, newest first (one more, to tell if there are
    more): public and unlisted ones, and reposts of public and unlisted posts by accounts
    not suspended."""
    original = aliased(Post)
    author = aliased(Account)
    query = (select(Post.id)
             .outerjoin(original, original.id == Post.repost_of_id)
             .outerjoin(author, author.id == original.account_id)
             .where(Post.account_id == account_id, Post.visibility.in_(DISTRIBUTABLE),
                    or_(Post.repost_of_id.is_(None),
                        and_(original.visibility.in_(DISTRIBUTABLE),
                             author.suspended_at.is_(None)))))
    if max_id is not None:
        query = query.where(Post.id < max_id)
    return list(await session.scalars(query.order_by(Post.id.desc())
                                      .limit(OUTBOX_PER_PAGE + 1)))


async def outbox_items(session: AsyncSession, page: PostPage, settings: Settings
                       ) -> list[dict[str, Any]]:
    """The activities of a page of an account's posts: a post's Create (its Note embedded),
    a repost's Announce. The posts they answer, quote and belong to are read in one query
    each; a quote's fields (quotes_out), one read per quoting post."""
    posts = page.posts
    uris = await post_uris(session, [p.in_reply_to_id for p in posts])
    contexts = await notes_out.context_urls(session, {p.thread_id for p in posts})
    storage, items = storage_for(settings), []
    for post in posts:
        author = page.batch.accounts[post.account_id]
        if post.repost_of_id is not None:
            original = page.batch.posts.get(post.repost_of_id)
            original_author = page.batch.accounts.get(original.account_id) if original else None
            if original is not None and original_author is not None:
                items.append(announce(post, author.uri, original, original_author.uri))
            continue
        note = notes_out.note(
            post, page, settings, storage, in_reply_to=uris.get(post.in_reply_to_id or 0),
            quoted=await quote_fields(session, post),
            context=contexts.get(post.thread_id))
        items.append({k: v for k, v in notes_out.create(note).items() if k != "@context"})
    return items


@router.get("/users/{username}/outbox")
async def outbox(request: Request, username: str) -> Response:
    db, account = await allowed_account(request, username)
    uri = f"{account.uri}/outbox"
    paged, max_id = _page_asked(request)
    if not paged:
        return activity_json(collection_document(uri, account.posts_count, paged=True))
    settings: Settings = request.app.state.settings
    async with db.read() as session:
        ids = await _outbox_ids(session, account.id, max_id)
        shown = ids[:OUTBOX_PER_PAGE]
        page = await load_page(SessionSql(session), None, ids=shown, people=True)
        items = await outbox_items(session, page, settings)
    more = shown[-1] if len(ids) > OUTBOX_PER_PAGE else None
    return activity_json(page_document(uri, max_id, items, more, account.posts_count))
