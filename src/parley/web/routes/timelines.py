"""Timeline pages: home (chronological), local and federated public, hashtags, lists and
bookmarks; newer posts arrive live through /live/... (see live.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from parley.http.deps import DbSession
from parley.lib.ids import parse_id
from parley.lists import service as lists
from parley.posts.models import Post
from parley.posts.rows import PostRow
from parley.store.rawwrite import SessionSql
from parley.timelines import service as timelines
from parley.timelines.home import home_rows
from parley.web.forms import page_request
from parley.web.render import Page, PageContext
from parley.web.routing import WebRoute
from parley.web.views import PostView, post_views

router = APIRouter(route_class=WebRoute)


async def timeline_page(page: Page, db: DbSession, found: Sequence[Post] | Sequence[PostRow],
                        *, title: str, live: str | None, compose: bool = True,
                        empty: str = "Nothing here yet.", cursors: list[int] | None = None,
                        views: list[PostView] | None = None, **context: Any) -> Response:
    """A page of posts, newest first, with "older" and "newer" links that need no script;
    `views` when the caller has rendered them from rows it read, else by the posts' ids."""
    viewer = page.account.id if page.account else None
    ids = [post.id for post in found]
    if views is None:
        views = await post_views(SessionSql(db), viewer_id=viewer, ids=ids)
    ids = cursors if cursors is not None else ids
    request = page_request(page.request)
    older = ids[-1] if ids and len(ids) == request.limit else None
    return page.render("timeline.html", title=title, posts=views, live=live,
                       compose=compose and page.signed_in, empty=empty, older=older,
                       newest=ids[0] if ids else None, **context)


@router.get("/home")
async def home(page: PageContext, db: DbSession) -> Response:
    account = page.require_account()
    # The API's home read (hybrid fan-out merge, cap fallback) through this page's session,
    # rendered from the rows and batch it read, as the API renders them.
    reader = SessionSql(db)
    rows, batch = await home_rows(
        reader, viewer_id=account.id, page=page_request(page.request),
        home_cap=page.settings.home_cap, broadcasts=page.settings.broadcast_threshold > 0)
    views = await post_views(reader, viewer_id=account.id, rows=rows, batch=batch)
    return await timeline_page(page, db, rows, title="Home", live="/live/home", views=views,
                               empty="Follow people to see their posts here.")


@router.get("/public/local")
async def local(page: PageContext, db: DbSession) -> Response:
    viewer = page.account.id if page.account else None
    found = await timelines.public_timeline(db, page=page_request(page.request),
                                            filters=timelines.FeedFilter(local=True),
                                            viewer_id=viewer)
    return await timeline_page(page, db, found, title=f"Local: {page.settings.domain}",
                               live="/live/public/local")


@router.get("/public")
async def federated(page: PageContext, db: DbSession) -> Response:
    viewer = page.account.id if page.account else None
    found = await timelines.public_timeline(db, page=page_request(page.request),
                                            filters=timelines.FeedFilter(), viewer_id=viewer)
    return await timeline_page(page, db, found, title="Everything public",
                               live="/live/public")


@router.get("/tags/{name}")
async def tag(name: str, page: PageContext, db: DbSession) -> Response:
    key = timelines.tag_key(name)[:100]
    found = await timelines.tag_timeline(db, tag=key, page=page_request(page.request),
                                         filters=timelines.FeedFilter(),
                                         tags=timelines.TagFilter()) if key else []
    return await timeline_page(page, db, found, title=f"#{key}", live=f"/live/tag/{key}",
                               draft_text=f"#{key} ", empty=f"No public posts with #{key} yet.")


@router.get("/lists")
async def my_lists(page: PageContext, db: DbSession) -> Response:
    account = page.require_account()
    owned = await lists.owned_lists(db, owner_id=account.id)
    return page.render("lists.html", lists=owned)


@router.get("/lists/{list_id}")
async def one_list(list_id: str, page: PageContext, db: DbSession) -> Response:
    account = page.require_account()
    parsed = parse_id(list_id) or 0
    lst = await lists.get_list(db, owner_id=account.id, list_id=parsed)
    found = await lists.list_timeline(db, owner_id=account.id, list_id=lst.id,
                                      page=page_request(page.request))
    return await timeline_page(page, db, found, title=f"List: {lst.title}",
                               live=f"/live/list/{lst.id}",
                               empty="Nobody in this list has posted yet.")


@router.get("/bookmarks")
async def bookmarks(page: PageContext, db: DbSession) -> Response:
    account = page.require_account()
    rows = await timelines.bookmarked_posts(db, viewer_id=account.id,
                                            page=page_request(page.request))
    return await timeline_page(page, db, [post for _id, post in rows], title="Bookmarks",
                               live=None, compose=False, cursors=[i for i, _p in rows],
                               empty="Bookmark posts to find them here again.")
