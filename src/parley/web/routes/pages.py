"""Profiles (/@acct with posts, replies and media tabs, followers, following) and the
conversation view (/@acct/id): a thread as a tree, as the viewer may see it.

Signed out, only public and unlisted posts show; a post the viewer may not see is a plain
404, so its existence is never revealed.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter
from starlette.responses import Response

from parley.accounts.models import Account
from parley.accounts.service import find_by_acct
from parley.errors import NotFound
from parley.http.deps import DbSession
from parley.http.refresh import refresh_viewed, thread_refresher
from parley.lib.ids import parse_id
from parley.posts.rows import PostRow, RowBatch
from parley.posts.threads import RowContext, thread_context_rows
from parley.social import service as social
from parley.social.exclusions import fill_exclusions
from parley.store.rawsql import Reader
from parley.store.rawwrite import SessionSql
from parley.timelines.account import AccountPostsFilter, account_rows
from parley.web.forms import page_request
from parley.web.render import Page, PageApart, PageContext
from parley.web.routing import WebRoute
from parley.web.tree import build_tree, participants
from parley.web.views import PostView, account_view, post_views

router = APIRouter(route_class=WebRoute)
PROFILE_TABS = {"posts": "Posts", "replies": "Posts and replies", "media": "Media"}


def viewer_id(page: Page) -> int | None:
    return page.account.id if page.account else None


async def account_or_404(page: Page, db: DbSession, acct: str) -> Account:
    account = await find_by_acct(db, page.settings, acct)
    if account is None:
        raise NotFound()
    return account


async def relationship(page: Page, db: DbSession, account: Account
                       ) -> social.Relationship | None:
    if page.account is None or page.account.id == account.id:
        return None
    rel = (await social.relationships(db, page.account.id, [account.id]))[0]
    await fill_exclusions(db, page.account.id, {account.id: rel})
    return rel


@router.get("/@{acct}")
async def profile(acct: str, page: PageContext, db: DbSession) -> Response:
    account = await account_or_404(page, db, acct)
    tab = page.request.query_params.get("tab", "posts")
    tab = tab if tab in PROFILE_TABS else "posts"
    rows: list[PostRow] = []
    views: list[PostView] = []
    request = page_request(page.request)
    # The API's account read (timelines/account.py account_rows), rendered from its rows.
    reader = SessionSql(db)
    filters = AccountPostsFilter(exclude_replies=tab == "posts", only_media=tab == "media")
    rows, batch = await account_rows(reader, account.id, viewer_id=viewer_id(page),
                                     page=request, filters=filters)
    views = await post_views(reader, viewer_id=viewer_id(page), rows=rows, batch=batch)
    older = rows[-1].id if len(rows) == request.limit else None
    return page.render("profile.html", account=account, author=account_view(account),
                       posts=views, older=older, tab=tab, tabs=PROFILE_TABS,
                       rel=await relationship(page, db, account))


@router.get("/@{acct}/followers")
async def followers(acct: str, page: PageContext, db: DbSession) -> Response:
    return await _follow_list(page, db, acct, "followers")


@router.get("/@{acct}/following")
async def following(acct: str, page: PageContext, db: DbSession) -> Response:
    return await _follow_list(page, db, acct, "following")


async def _follow_list(page: Page, db: DbSession, acct: str, direction: str) -> Response:
    account = await account_or_404(page, db, acct)
    request = page_request(page.request, limit=40)
    rows = (await social.follow_page(db, account.id, direction=direction, page=request)
            if account.shows_collections_to(viewer_id(page)) else [])
    older = rows[-1][0] if len(rows) == request.limit else None
    title = ("Followers of " if direction == "followers" else "Followed by ") + (
        account.display_name or account.username)
    return page.render("accounts.html", title=title, account=account_view(account),
                       accounts=[account_view(other) for _id, other in rows], older=older)


async def whole_thread(reader: Reader, context: RowContext, viewer: int | None
                       ) -> tuple[list[PostRow], RowBatch]:
    """Everything the viewer may see of the post's conversation, from its topmost visible
    ancestor down (read again from the top only when the post has ancestors), with the batch
    that read it."""
    if not context.ancestors:
        return [context.post, *context.descendants], context.batch
    whole = await thread_context_rows(reader, post_id=context.ancestors[0].id,
                                      viewer_id=viewer)
    return [whole.post, *whole.descendants], whole.batch


@dataclass(frozen=True)
class Conversation:
    """A thread as the viewer may see it, read for its page."""

    context: RowContext
    views: list[PostView]


async def _conversation(reader: Reader, page: Page, acct: str, post_id: int) -> Conversation:
    # The API's context read (posts/threads.py thread_context_rows), rendered from its rows.
    context = await thread_context_rows(reader, post_id=post_id, viewer_id=viewer_id(page))
    author = context.batch.accounts.get(context.post.account_id)
    if author is None or author.acct.lower() != acct.lower() or context.post.id != post_id:
        raise NotFound()  # a repost's id stands for its original only in the API
    thread, batch = await whole_thread(reader, context, viewer_id(page))
    return Conversation(context, await post_views(reader, viewer_id=viewer_id(page),
                                                  rows=thread, batch=batch))


@router.get("/@{acct}/{post_id}")
async def conversation(acct: str, post_id: str, page: PageApart) -> Response:
    """The conversation; a signed-in reader of another server's thread starts its refresh
    (as the API's /context does), after the reads: the refresher opens its own transactions,
    and the page says that more replies are on their way."""
    parsed = parse_id(post_id)
    if parsed is None:
        raise NotFound()
    async with page.db.read() as db:
        shown = await _conversation(SessionSql(db), page, acct, parsed)
    refresh = await refresh_viewed(thread_refresher(page.request.app.state), shown.context,
                                   viewer_id(page))
    post, views = shown.context.post, shown.views
    focus = next(view for view in views if view.id == post.id)
    text = focus.spoiler_text or focus.plain_text
    title = text if len(text) <= 60 else text[:59] + "…"
    return page.render("thread.html", tree=build_tree(views, post.id), focus=focus,
                       people=participants(views), title=title, thread_id=post.thread_id,
                       count=len(views), refreshing=refresh is not None)
