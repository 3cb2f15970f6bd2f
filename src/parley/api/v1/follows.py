"""Mastodon API: follow/unfollow, relationships, followers/following lists, follow requests."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from parley.accounts.service import get_account
from parley.api.deps import AppSettings, DbSession, Viewer, parse_id, user_optional, user_required
from parley.api.entities.accounts import (
    account_entity,
    relationship_entity,
    render_relationship,
)
from parley.api.pagination import Page, link_header
from parley.api.params import parse
from parley.api.responses import FastJSON, json_response
from parley.social import service as social

router = APIRouter()


class FollowForm(BaseModel):
    reblogs: bool | None = None
    notify: bool | None = None
    # Parley extension: how the follower found the account (profile, post, repost, search...).
    source: str = "api"
    source_status_id: str | None = Field(default=None, pattern=r"^\d{1,19}$")


async def _relationship(session: DbSession, viewer: Viewer, account_id: int) -> FastJSON:
    return json_response(await render_relationship(session, viewer.id, account_id))


@router.post("/api/v1/accounts/{account_id}/follow")
async def follow(account_id: str, request: Request, session: DbSession,
                 viewer: Viewer = Depends(user_required("write:follows"))) -> FastJSON:
    form = await parse(request, FollowForm)
    target = await get_account(session, parse_id(account_id))
    options = social.FollowOptions(
        show_reposts=form.reblogs, notify=form.notify, source=form.source,
        source_post_id=int(form.source_status_id) if form.source_status_id else None)
    await social.follow(session, actor=viewer.account, target=target, options=options)
    return await _relationship(session, viewer, target.id)


@router.post("/api/v1/accounts/{account_id}/unfollow")
async def unfollow(account_id: str, session: DbSession,
                   viewer: Viewer = Depends(user_required("write:follows"))) -> FastJSON:
    target = await get_account(session, parse_id(account_id))
    await social.unfollow(session, actor=viewer.account, target=target)
    return await _relationship(session, viewer, target.id)


@router.get("/api/v1/accounts/relationships")
async def relationships(request: Request, session: DbSession,
                        viewer: Viewer = Depends(user_required("read:follows"))) -> FastJSON:
    raw = request.query_params.getlist("id[]") or request.query_params.getlist("id")
    ids = [int(value) for value in raw[:80] if value.isdigit() and len(value) <= 19]
    rels = await social.relationships(session, viewer.id, ids)
    return json_response([relationship_entity(rel) for rel in rels])


async def _follow_list(request: Request, session: DbSession, settings: AppSettings,
                       account_id: int, direction: str, state: str = "accepted") -> FastJSON:
    page = Page.from_request(request, maximum=80, default=40)
    rows = await social.follow_page(session, account_id, direction=direction, page=page,
                                    state=state)
    return json_response([account_entity(account, settings) for _, account in rows],
                         link=link_header(request, [cursor for cursor, _ in rows]))


@router.get("/api/v1/accounts/{account_id}/followers")
async def followers(account_id: str, request: Request, session: DbSession,
                    settings: AppSettings,
                    _viewer: Viewer | None = Depends(user_optional("read:accounts"))) -> FastJSON:
    target = await get_account(session, parse_id(account_id))
    return await _follow_list(request, session, settings, target.id, "followers")


@router.get("/api/v1/accounts/{account_id}/following")
async def following(account_id: str, request: Request, session: DbSession,
                    settings: AppSettings,
                    _viewer: Viewer | None = Depends(user_optional("read:accounts"))) -> FastJSON:
    target = await get_account(session, parse_id(account_id))
    return await _follow_list(request, session, settings, target.id, "following")


@router.get("/api/v1/follow_requests")
async def follow_requests(request: Request, session: DbSession, settings: AppSettings,
                          viewer: Viewer = Depends(user_required("read:follows"))) -> FastJSON:
    return await _follow_list(request, session, settings, viewer.id, "followers", "pending")


@router.post("/api/v1/follow_requests/{account_id}/authorize")
async def authorize(account_id: str, session: DbSession,
                    viewer: Viewer = Depends(user_required("write:follows"))) -> FastJSON:
    requester = parse_id(account_id)
    await social.authorize_request(session, target=viewer.account, requester_id=requester)
    return await _relationship(session, viewer, requester)


@router.post("/api/v1/follow_requests/{account_id}/reject")
async def reject(account_id: str, session: DbSession,
                 viewer: Viewer = Depends(user_required("write:follows"))) -> FastJSON:
    requester = parse_id(account_id)
    await social.reject_request(session, target=viewer.account, requester_id=requester)
    return await _relationship(session, viewer, requester)
