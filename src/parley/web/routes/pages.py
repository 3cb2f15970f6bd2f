"""Profiles (/@acct with posts, replies and media tabs, followers, following) and the
conversation view (/@acct/id): a thread as a tree, as the viewer may see it.

Signed out, only public and unlisted posts show; a post the viewer may not see is a plain
404, so its existence is never revealed.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from parley.accounts.models import Account
from parley.accounts.service import find_by_acct
from parley.api.deps import DbSession
from parley.errors import NotFound
from parley.posts import service as posts
from parley.posts.models import Post
from parley.social import service as social
from parley.social.exclusions import fill_exclusions
from parley.timelines.account import AccountPostsFilter, account_posts
from parley.web.forms import page_request, parse_id
from parley.web.render import Page, PageContext
from parley.web.routing import WebRoute
from parley.web.tree import build_tree, participants
from parley.web.views import account_view, post_views

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
    found: list[Post] = []
    request = page_request(page.request)
    if tab != "media":  # media attachments arrive with the media domain
        filters = AccountPostsFilter(exclude_replies=tab == "posts")
        found = await account_posts(db, account.id, viewer_id=viewer_id(page),
                                    page=request, filters=filters)
    views = await post_views(db, found, viewer_id=viewer_id(page))
    older = found[-1].id if len(found) == request.limit else None
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
    rows = await social.follow_page(db, account.id, direction=direction, page=request)
    older = rows[-1][0] if len(rows) == request.limit else None
    title = ("Followers of " if direction == "followers" else "Followed by ") + (
        account.display_name or account.username)
    return page.render("accounts.html", title=title, account=account_view(account),
                       accounts=[account_view(other) for _id, other in rows], older=older)


async def whole_thread(db: DbSession, post: Post, viewer: int | None) -> list[Post]:
    """Everything the viewer may see of the post's conversation, from its topmost visible
    ancestor down (two indexed queries at most)."""
    context = await posts.thread_context(db, post_id=post.id, viewer_id=viewer)
    if not context.ancestors:
        return [post, *context.descendants]
    top = context.ancestors[0]
    whole = await posts.thread_context(db, post_id=top.id, viewer_id=viewer)
    return [top, *whole.descendants]


@router.get("/@{acct}/{post_id}")
async def conversation(acct: str, post_id: str, page: PageContext, db: DbSession) -> Response:
    parsed = parse_id(post_id)
    if parsed is None:
        raise NotFound()
    post = await posts.get_post(db, parsed, viewer_id=viewer_id(page))
    author = await db.get(Account, post.account_id)
    if author is None or author.acct.lower() != acct.lower() or post.repost_of_id:
        raise NotFound()
    thread = await whole_thread(db, post, viewer_id(page))
    views = await post_views(db, thread, viewer_id=viewer_id(page))
    focus = next(view for view in views if view.id == post.id)
    text = focus.spoiler_text or focus.plain_text
    title = text if len(text) <= 60 else text[:59] + "…"
    return page.render("thread.html", tree=build_tree(views, post.id), focus=focus,
                       people=participants(views), title=title, thread_id=post.thread_id,
                       count=len(views))
