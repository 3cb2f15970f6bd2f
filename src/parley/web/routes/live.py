"""Server-sent events for the web UI: new posts of a timeline or a conversation arrive as
HTML fragments rendered for the signed-in viewer (static/parley.js places them).

Broker events name a post; each is loaded again through the visibility rule with the
viewer's session, so an event never shows the viewer more than a page reload would. The
stream holds no transaction open: each event reads in a short read-only session.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import orjson
from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response, StreamingResponse

from parley.config import Settings
from parley.errors import NotFound, Unauthorized
from parley.lib.ids import parse_id
from parley.lists.service import get_list
from parley.posts.models import Post
from parley.posts.visibility import feed_visible
from parley.store.database import Database
from parley.store.rawwrite import SessionSql
from parley.streaming import channels
from parley.streaming.broker import Broker, Subscription
from parley.timelines.service import tag_key
from parley.web.forms import safe_next
from parley.web.render import Page, _signed_in_account
from parley.web.routing import WebRoute
from parley.web.session import read_session
from parley.web.views import post_views

router = APIRouter(route_class=WebRoute)
HEARTBEAT_SECONDS = 15.0


def sse(event: str, data: str) -> bytes:
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"event: {event}\n{lines}\n".encode()


async def _fragment(session: AsyncSession, page: Page, post_id: int, template: str
                    ) -> str | None:
    viewer = page.account.id if page.account else None
    found = await session.scalar(select(Post.id).where(Post.id == post_id,
                                                       feed_visible(viewer)))
    if found is None:
        return None
    views = await post_views(SessionSql(session), viewer_id=viewer, ids=[found])
    return page.render_text(template, p=views[0]) if views else None


async def _events(request: Request, page: Page, subscription: Subscription, template: str
                  ) -> AsyncIterator[bytes]:
    db: Database = request.app.state.db
    try:
        yield b": connected\n\n"
        while True:
            try:
                message = await asyncio.wait_for(subscription.get(), HEARTBEAT_SECONDS)
            except TimeoutError:
                yield b": heartbeat\n\n"
                continue
            if message is None:
                return
            event = orjson.loads(message.data)
            payload = orjson.loads(event.get("payload") or "null")
            if event.get("event") == "delete":
                yield sse("delete", f"post-{payload}")
                continue
            post_id = parse_id(str(payload.get("id"))) if isinstance(payload, dict) else None
            if event.get("event") != "update" or post_id is None:
                continue
            async with db.read() as session:
                html = await _fragment(session, page, post_id, template)
            if html:
                yield sse("post", html)
    finally:
        subscription.close()


async def _page(request: Request, *, signed_in: bool) -> Page:
    settings: Settings = request.app.state.settings
    session = read_session(request, settings)
    async with request.app.state.db.read() as db:
        account = await _signed_in_account(db, session)
    if signed_in and account is None:
        raise Unauthorized()
    return Page(request=request, settings=settings, session=session, account=account,
                return_to=_referring_page(request, settings))


def _referring_page(request: Request, settings: Settings) -> str:
    """The page that opened the stream: forms in its fragments return there."""
    referer = urlsplit(request.headers.get("referer", ""))
    if f"{referer.scheme}://{referer.netloc}" != settings.base_url:
        return "/"
    return safe_next(referer.path + (f"?{referer.query}" if referer.query else ""))


def _stream(request: Request, page: Page, channel: str, template: str) -> Response:
    broker: Broker = request.app.state.broker
    subscription = broker.subscribe()
    subscription.add(channel)
    return StreamingResponse(_events(request, page, subscription, template),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.get("/live/home")
async def home(request: Request) -> Response:
    page = await _page(request, signed_in=True)
    assert page.account is not None
    return _stream(request, page, channels.home(page.account.id), "_live_post.html")


@router.get("/live/public")
async def public(request: Request) -> Response:
    return _stream(request, await _page(request, signed_in=False), channels.PUBLIC,
                   "_live_post.html")


@router.get("/live/public/local")
async def public_local(request: Request) -> Response:
    return _stream(request, await _page(request, signed_in=False), channels.PUBLIC_LOCAL,
                   "_live_post.html")


@router.get("/live/tag/{name}")
async def tag(name: str, request: Request) -> Response:
    key = tag_key(name)
    if not key:
        raise NotFound()
    return _stream(request, await _page(request, signed_in=False), channels.hashtag(key),
                   "_live_post.html")


@router.get("/live/list/{list_id}")
async def one_list(list_id: str, request: Request) -> Response:
    page = await _page(request, signed_in=True)
    assert page.account is not None
    async with request.app.state.db.read() as db:
        lst = await get_list(db, owner_id=page.account.id, list_id=parse_id(list_id) or 0)
    return _stream(request, page, channels.list_channel(lst.id), "_live_post.html")


@router.get("/live/thread/{thread_id}")
async def thread(thread_id: str, request: Request) -> Response:
    parsed = parse_id(thread_id)
    if parsed is None:
        raise NotFound()
    chat = request.query_params.get("view") == "chat"
    page = await _page(request, signed_in=False)
    viewer = page.account.id if page.account else None
    async with request.app.state.db.read() as db:
        root = await db.scalar(select(Post.id).where(Post.id == parsed, feed_visible(viewer)))
    if root is None:  # a thread one may not see is not there, live or not
        raise NotFound()
    return _stream(request, page, channels.thread(parsed),
                   "_live_bubble.html" if chat else "_live_reply.html")
