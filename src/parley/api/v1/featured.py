"""Mastodon API: pinned statuses and endorsed accounts (pin/unpin, endorse/unendorse)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Depends, Request

from parley.accounts.service import get_account
from parley.api.entities.accounts import account_entity, render_relationship
from parley.api.entities.statuses import render_status
from parley.api.pagination import PAGED, Page, link_header
from parley.featured import service as featured
from parley.http.auth import Viewer, user_optional, user_required
from parley.http.deps import AppSettings, DbSession, path_id
from parley.http.responses import FastJSON, json_response

router = APIRouter()


@router.post("/api/v1/statuses/{status_id}/pin")
async def pin_status(status_id: str, session: DbSession, settings: AppSettings,
                     viewer: Viewer = Depends(user_required("write:accounts"))) -> FastJSON:
    post = await featured.pin_post(session, actor_id=viewer.id, post_id=path_id(status_id))
    return json_response(await render_status(session, post, viewer_id=viewer.id,
                                             settings=settings))


@router.post("/api/v1/statuses/{status_id}/unpin")
async def unpin_status(status_id: str, session: DbSession, settings: AppSettings,
                       viewer: Viewer = Depends(user_required("write:accounts"))) -> FastJSON:
    post = await featured.unpin_post(session, actor_id=viewer.id, post_id=path_id(status_id))
    return json_response(await render_status(session, post, viewer_id=viewer.id,
                                             settings=settings))


async def _endorse(session: DbSession, viewer: Viewer, account_id: str) -> None:
    target = await get_account(session, path_id(account_id))
    await featured.endorse(session, actor_id=viewer.id, target=target)


async def _unendorse(session: DbSession, viewer: Viewer, account_id: str) -> None:
    target = await get_account(session, path_id(account_id))
    await featured.unendorse(session, actor_id=viewer.id, target_id=target.id)


Action = Callable[[DbSession, Viewer, str], Awaitable[None]]


def _relationship_route(path: str, action: Action) -> None:
    """pin/endorse and unpin/unendorse: Mastodon's old and new names for the same thing."""

    @router.post(f"/api/v1/accounts/{{account_id}}/{path}", name=f"account_{path}")
    async def endpoint(account_id: str, session: DbSession,
                       viewer: Viewer = Depends(user_required("write:accounts"))) -> FastJSON:
        await action(session, viewer, account_id)
        return json_response(await render_relationship(session, viewer.id,
                                                       path_id(account_id)))


for _path, _action in (("pin", _endorse), ("endorse", _endorse), ("unpin", _unendorse),
                       ("unendorse", _unendorse)):
    _relationship_route(_path, _action)


async def _endorsements_page(request: Request, session: DbSession, settings: AppSettings,
                             account_id: int) -> FastJSON:
    page = Page.from_request(request, default=40, maximum=80)
    rows = await featured.endorsed_accounts(session, account_id=account_id, page=page)
    return json_response([account_entity(account, settings) for _, account in rows],
                         link=link_header(request, [cursor for cursor, _ in rows]))


@router.get("/api/v1/endorsements", openapi_extra=PAGED)
async def endorsements(request: Request, session: DbSession, settings: AppSettings,
                       viewer: Viewer = Depends(user_required("read:accounts"))) -> FastJSON:
    return await _endorsements_page(request, session, settings, viewer.id)


@router.get("/api/v1/accounts/{account_id}/endorsements", openapi_extra=PAGED)
async def account_endorsements(account_id: str, request: Request, session: DbSession,
                               settings: AppSettings,
                               _viewer: Viewer | None = Depends(user_optional("read:accounts"))
                               ) -> FastJSON:
    account = await get_account(session, path_id(account_id))
    return await _endorsements_page(request, session, settings, account.id)
