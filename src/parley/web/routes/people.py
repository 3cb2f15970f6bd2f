"""Acting on people from their profile: follow (a request when they are locked), unfollow,
block, mute and their undoing; and the search page (people, tags, posts)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from parley.accounts.service import get_account
from parley.errors import NotFound
from parley.http.deps import DbSession
from parley.http.ratelimit import FOLLOWS, spend_action
from parley.http.remote import resolved
from parley.lib.ids import parse_id
from parley.search import service as search_service
from parley.search.service import SearchRequest, SearchResults
from parley.social import blocks
from parley.social import service as social
from parley.store.rawwrite import SessionSql
from parley.web.forms import form_fields, safe_next
from parley.web.render import Page, PageApart, PageContext
from parley.web.routing import WebRoute
from parley.web.views import account_view, post_views

router = APIRouter(route_class=WebRoute)
ACTIONS = ("follow", "unfollow", "block", "unblock", "mute", "unmute")


async def _apply(page: Page, db: DbSession, action: str, target_id: int) -> None:
    actor = page.require_account()
    target = await get_account(db, target_id)
    if action == "follow":
        await social.follow(db, actor=actor, target=target,
                            options=social.FollowOptions(source="profile"))
        await spend_action(page.request, FOLLOWS, actor.id)
    elif action == "unfollow":
        await social.unfollow(db, actor=actor, target=target)
    elif action == "block":
        await blocks.block(db, actor=actor, target=target)
    elif action == "unblock":
        await blocks.unblock(db, actor=actor, target=target)
    elif action == "mute":
        await blocks.mute(db, actor=actor, target=target)
    elif action == "unmute":
        await blocks.unmute(db, actor=actor, target=target)


@router.post("/accounts/{account_id}/{action}")
async def act(account_id: str, action: str, page: PageContext, db: DbSession) -> Response:
    page.require_account()
    fields = await form_fields(page.request)
    page.require_csrf(fields)
    target_id = parse_id(account_id)
    if target_id is None or action not in ACTIONS:
        raise NotFound()
    await _apply(page, db, action, target_id)
    return page.redirect(safe_next(fields.get("next"), default="/"))


@router.get("/search")
async def search(page: PageApart) -> Response:
    """People, hashtags and posts through the search domain (posts only when signed in). A
    signed-in person's handle or URL of another server is looked up there first, as the
    API's search with `resolve` does, before the page's reads begin (which then see it)."""
    query = page.request.query_params.get("q", "").strip()[:200]
    viewer = page.account.id if page.account else None
    wanted = await resolved(page.request, SearchRequest(q=query, limit=20, resolve=True),
                            signed_in=viewer is not None)
    async with page.db.read() as db:
        results = SearchResults()
        if query:
            results = await search_service.search(db, request=wanted, viewer_id=viewer,
                                                  settings=page.settings)
        posts = await post_views(SessionSql(db), viewer_id=viewer,
                                 ids=[post.id for post in results.posts])
    return page.render(
        "search.html", query=query, people=[account_view(a) for a in results.accounts],
        tags=[tag.display_name for tag in results.tags], posts=posts)
