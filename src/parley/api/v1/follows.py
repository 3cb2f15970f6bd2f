"""Mastodon API: follow/unfollow, relationships, followers/following lists, follow requests."""

from __future__ import annotations

from collections.abc import Awaitable
from functools import partial
from typing import Annotated, Protocol

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.accounts.service import get_account
from parley.api.entities.accounts import account_entity, render_relationships
from parley.api.pagination import PAGED, Page, link_header
from parley.api.params import MANY_IDS, parse
from parley.api.v1.account_actions import act_on_account, relationship_response
from parley.errors import NotFound
from parley.http.auth import AccountViewer, Viewer, account_required, user_optional, user_required
from parley.http.deps import AppSettings, DbSession, path_id
from parley.http.openapi import body
from parley.http.ratelimit import FOLLOWS, spend_action
from parley.http.responses import FastJSON, json_response
from parley.lib.ids import parse_id
from parley.posts.lookup import get_post
from parley.social import service as social

router = APIRouter()
Following = Annotated[AccountViewer, Depends(account_required("write:follows"))]
ReadingFollows = Annotated[Viewer, Depends(user_required("read:follows"))]
# Follower lists are public; a token, if given, must still be valid and hold read:accounts.
MaybeViewer = Annotated[Viewer | None, Depends(user_optional("read:accounts"))]


class FollowForm(BaseModel):
    reblogs: bool | None = None
    notify: bool | None = None
    # Parley extension: how the follower found the account (profile, post, repost, search...).
    source: str = "api"
    source_status_id: str | None = Field(default=None, pattern=r"^\d{1,19}$")


async def _source_post(session: AsyncSession, viewer_id: int, raw: str | None) -> int | None:
    """The post the follow came from, when the follower may see it. A post that is gone (or
    was never there, or is hidden) is no source, and the follow stands without one: it only
    says how the account was found."""
    post_id = parse_id(raw)
    if post_id is None:
        return None
    try:
        await get_post(session, post_id, viewer_id=viewer_id)
    except NotFound:
        return None
    return post_id


@router.post("/api/v1/accounts/{account_id}/follow", openapi_extra=body(FollowForm))
async def follow(account_id: str, request: Request, session: DbSession, viewer: Following
                 ) -> FastJSON:
    form = await parse(request, FollowForm)
    options = social.FollowOptions(
        show_reposts=form.reblogs, notify=form.notify, source=form.source,
        source_post_id=await _source_post(session, viewer.id, form.source_status_id))
    response = await act_on_account(session, viewer, account_id,
                                    partial(social.follow, options=options))
    await spend_action(request, FOLLOWS, viewer.id)
    return response


@router.post("/api/v1/accounts/{account_id}/unfollow")
async def unfollow(account_id: str, session: DbSession, viewer: Following) -> FastJSON:
    return await act_on_account(session, viewer, account_id, social.unfollow)


@router.get("/api/v1/accounts/relationships", openapi_extra=MANY_IDS)
async def relationships(request: Request, session: DbSession, viewer: ReadingFollows
                        ) -> FastJSON:
    raw = request.query_params.getlist("id[]") or request.query_params.getlist("id")
    ids = [i for i in map(parse_id, raw[:80]) if i is not None]
    return json_response(await render_relationships(session, viewer.id, ids))


async def _follow_list(request: Request, session: DbSession, settings: AppSettings,
                       account_id: int, direction: str, state: str = "accepted") -> FastJSON:
    page = Page.from_request(request, maximum=80, default=40)
    rows = await social.follow_page(session, account_id, direction=direction, page=page,
                                    state=state)
    return json_response([account_entity(account, settings) for _, account in rows],
                         link=link_header(request, [cursor for cursor, _ in rows]))


async def _accounts_follows(request: Request, session: DbSession, settings: AppSettings,
                            account_id: str, direction: str, viewer: Viewer | None
                            ) -> FastJSON:
    """An account's followers or following, by its path id (404 if there is none); empty
    for others when the account hides its collections, as in Mastodon."""
    target = await get_account(session, path_id(account_id))
    if not target.shows_collections_to(viewer.id if viewer is not None else None):
        return json_response([])
    return await _follow_list(request, session, settings, target.id, direction)


@router.get("/api/v1/accounts/{account_id}/followers", openapi_extra=PAGED)
async def followers(account_id: str, request: Request, session: DbSession,
                    settings: AppSettings, viewer: MaybeViewer) -> FastJSON:
    return await _accounts_follows(request, session, settings, account_id, "followers",
                                   viewer)


@router.get("/api/v1/accounts/{account_id}/following", openapi_extra=PAGED)
async def following(account_id: str, request: Request, session: DbSession,
                    settings: AppSettings, viewer: MaybeViewer) -> FastJSON:
    return await _accounts_follows(request, session, settings, account_id, "following",
                                   viewer)


@router.get("/api/v1/follow_requests", openapi_extra=PAGED)
async def follow_requests(request: Request, session: DbSession, settings: AppSettings,
                          viewer: ReadingFollows) -> FastJSON:
    return await _follow_list(request, session, settings, viewer.id, "followers", "pending")


class _RequestAnswer(Protocol):
    def __call__(self, session: AsyncSession, *, target: Account, requester_id: int
                 ) -> Awaitable[None]: ...


async def _answer_request(session: DbSession, viewer: AccountViewer, account_id: str,
                          answer: _RequestAnswer) -> FastJSON:
    """The viewer (a locked account) authorises or rejects a pending follow request."""
    requester = path_id(account_id)
    await answer(session, target=viewer.account, requester_id=requester)
    return await relationship_response(session, viewer, requester)


@router.post("/api/v1/follow_requests/{account_id}/authorize")
async def authorize(account_id: str, session: DbSession, viewer: Following) -> FastJSON:
    return await _answer_request(session, viewer, account_id, social.authorize_request)


@router.post("/api/v1/follow_requests/{account_id}/reject")
async def reject(account_id: str, session: DbSession, viewer: Following) -> FastJSON:
    return await _answer_request(session, viewer, account_id, social.reject_request)
