"""A local post's conversation as other servers read it: the `replies` collection of each
public post (its public and unlisted direct replies) and the FEP-7888 `context` collection
of each thread begun here (all its public and unlisted posts), both paged OrderedCollections
of ids. Nothing private is ever listed; authorized fetch applies as to every document."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from parley.accounts.models import Account
from parley.errors import NotFound
from parley.federation.routes import activity_json, local_account, shown_post
from parley.federation.vocab import CONTEXT
from parley.lib.ids import parse_cursor
from parley.posts.models import DISTRIBUTABLE, Post

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


def _listed(*where: ColumnElement[bool]) -> Any:
    """The public and unlisted posts (no reposts) of accounts not suspended, by `where`."""
    return (select(Post.id, Post.uri).join(Account, Account.id == Post.account_id)
            .where(*where, Post.visibility.in_(DISTRIBUTABLE), Post.repost_of_id.is_(None),
                   Account.suspended_at.is_(None)))


async def _page(session: AsyncSession, query: Any, after: int | None
                ) -> tuple[list[str], int | None]:
    """One page of ids (oldest first) after the cursor, and the next page's cursor."""
    if after is not None:
        query = query.where(Post.id > after)
    rows = (await session.execute(query.order_by(Post.id).limit(PAGE_SIZE + 1))).all()
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return [row.uri for row in rows], (rows[-1].id if more else None)


async def _collection(request: Request, collection: str, query: Any) -> dict[str, Any]:
    """The collection (its first page embedded), or the page the query string asks for."""
    async with request.app.state.db.read() as session:
        if request.query_params.get("page") is None:
            total = await session.scalar(select(func.count()).select_from(query.subquery()))
            items, following = await _page(session, query, None)
            return {"@context": CONTEXT, "id": collection, "type": "OrderedCollection",
                    "totalItems": total or 0,
                    "first": _page_document(collection, None, items, following)}
        raw = request.query_params.get("after")
        after = parse_cursor(raw) if raw is not None else None
        if raw is not None and after is None:
            raise NotFound()
        items, following = await _page(session, query, after)
    return {"@context": CONTEXT, **_page_document(collection, after, items, following)}


def _page_url(collection: str, after: int | None) -> str:
    return f"{collection}?page=true" + (f"&after={after}" if after is not None else "")


def _page_document(collection: str, after: int | None, items: list[str],
                   following: int | None) -> dict[str, Any]:
    page: dict[str, Any] = {"id": _page_url(collection, after),
                            "type": "OrderedCollectionPage", "partOf": collection,
                            "orderedItems": items}
    if following is not None:
        page["next"] = _page_url(collection, following)
    return page


@router.get("/users/{username}/statuses/{post_id}/replies")
async def replies(request: Request, username: str, post_id: str) -> Response:
    post = await shown_post(request, username, post_id)
    return activity_json(await _collection(
        request, f"{post.uri}/replies", _listed(Post.in_reply_to_id == post.id)))


@router.get("/users/{username}/statuses/{post_id}/context")
async def context(request: Request, username: str, post_id: str) -> Response:
    """The thread begun by the post (only a thread's first post has a context here)."""
    post = await shown_post(request, username, post_id)
    if post.thread_id != post.id:
        raise NotFound()
    document = await _collection(request, f"{post.uri}/context",
                                 _listed(Post.thread_id == post.id))
    if document["type"] == "OrderedCollection":  # FEP-7888: who owns the conversation
        document["attributedTo"] = (await local_account(request.app.state.db, username)).uri
    return activity_json(document)
