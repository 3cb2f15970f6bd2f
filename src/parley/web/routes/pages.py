"""Public pages: the front page, profiles (/@username) and posts (/@username/id).

Only what a signed-out reader may see is shown; anything else is a plain 404 page, so a
private post's existence is never revealed.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from parley.api.deps import DbSession
from parley.web import queries
from parley.web.render import PageContext

router = APIRouter()
MAX_ID = 2**63 - 1


def parse_post_id(raw: str | None) -> int | None:
    if raw is None or not raw.isdigit() or len(raw) > 19 or int(raw) > MAX_ID:
        return None
    return int(raw)


@router.get("/")
async def home(page: PageContext, db: DbSession) -> Response:
    posts = await queries.latest_public_posts(db)
    return page.render("home.html", posts=posts)


@router.get("/@{username}")
async def profile(username: str, page: PageContext, db: DbSession) -> Response:
    account = await queries.local_account(db, username)
    if account is None:
        return page.not_found()
    max_id = parse_post_id(page.request.query_params.get("max_id"))
    posts = await queries.posts_by(db, account, max_id=max_id, limit=queries.PAGE_SIZE + 1)
    older = posts[queries.PAGE_SIZE - 1].id if len(posts) > queries.PAGE_SIZE else None
    return page.render("profile.html", account=account,
                       author=queries.account_view(account),
                       posts=posts[: queries.PAGE_SIZE], older=older)


@router.get("/@{username}/{post_id}")
async def post_page(username: str, post_id: str, page: PageContext, db: DbSession
                    ) -> Response:
    account = await queries.local_account(db, username)
    parsed = parse_post_id(post_id)
    post = None if account is None or parsed is None else await queries.public_post(
        db, account, parsed)
    if account is None or post is None:
        return page.not_found()
    thread = await queries.public_thread(db, post, account)
    focus = next(view for view in thread if view.focused)
    return page.render("post.html", thread=thread, focus=focus,
                       title=queries.post_title(focus))
