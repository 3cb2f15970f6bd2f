"""Mastodon API: block/unblock, mute/unmute, the blocks and mutes lists, domain blocks."""

from __future__ import annotations

from collections.abc import Awaitable
from functools import partial
from typing import Annotated, Protocol

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.api.entities.accounts import account_entity
from parley.api.pagination import PAGED, Page, link_header
from parley.api.params import parse
from parley.api.v1.account_actions import act_on_account
from parley.http.auth import AccountViewer, Viewer, account_required, user_required
from parley.http.deps import AppSettings, DbSession
from parley.http.openapi import body
from parley.http.responses import FastJSON, json_response
from parley.lib.timefmt import iso
from parley.social import blocks

router = APIRouter()
Blocking = Annotated[AccountViewer, Depends(account_required("write:blocks"))]
Muting = Annotated[AccountViewer, Depends(account_required("write:mutes"))]


@router.post("/api/v1/accounts/{account_id}/block")
async def block(account_id: str, session: DbSession, viewer: Blocking) -> FastJSON:
    return await act_on_account(session, viewer, account_id, blocks.block)


@router.post("/api/v1/accounts/{account_id}/unblock")
async def unblock(account_id: str, session: DbSession, viewer: Blocking) -> FastJSON:
    return await act_on_account(session, viewer, account_id, blocks.unblock)


class MuteForm(BaseModel):
    notifications: bool = True
    duration: int = Field(default=0, ge=0, le=2**31)


@router.post("/api/v1/accounts/{account_id}/mute", openapi_extra=body(MuteForm))
async def mute(account_id: str, request: Request, session: DbSession, viewer: Muting
               ) -> FastJSON:
    form = await parse(request, MuteForm)
    return await act_on_account(session, viewer, account_id, partial(
        blocks.mute, notifications=form.notifications, duration=form.duration))


@router.post("/api/v1/accounts/{account_id}/unmute")
async def unmute(account_id: str, session: DbSession, viewer: Muting) -> FastJSON:
    return await act_on_account(session, viewer, account_id, blocks.unmute)


@router.get("/api/v1/blocks", openapi_extra=PAGED)
async def blocked(request: Request, session: DbSession, settings: AppSettings,
                  viewer: Viewer = Depends(user_required("read:blocks"))) -> FastJSON:
    rows = await blocks.blocked_accounts(session, viewer_id=viewer.id,
                                         page=Page.from_request(request, default=40, maximum=80))
    return json_response([account_entity(account, settings) for _, account in rows],
                         link=link_header(request, [cursor for cursor, _ in rows]))


@router.get("/api/v1/mutes", openapi_extra=PAGED)
async def muted(request: Request, session: DbSession, settings: AppSettings,
                viewer: Viewer = Depends(user_required("read:mutes"))) -> FastJSON:
    rows = await blocks.muted_accounts(session, viewer_id=viewer.id,
                                       page=Page.from_request(request, default=40, maximum=80))
    entities = [{**account_entity(account, settings), "mute_expires_at": iso(row.expires_at)}
                for row, account in rows]
    return json_response(entities, link=link_header(request, [row.id for row, _ in rows]))


@router.get("/api/v1/domain_blocks", openapi_extra=PAGED)
async def domain_blocks(request: Request, session: DbSession,
                        viewer: Viewer = Depends(user_required("read:blocks"))) -> FastJSON:
    rows = await blocks.blocked_domains(
        session, viewer_id=viewer.id, page=Page.from_request(request, default=100, maximum=200))
    return json_response([domain for _, domain in rows],
                         link=link_header(request, [cursor for cursor, _ in rows]))


class DomainForm(BaseModel):
    domain: str = Field(min_length=1, max_length=1000)


class _DomainAction(Protocol):
    def __call__(self, session: AsyncSession, *, actor: Account, domain: str
                 ) -> Awaitable[None]: ...


async def _on_domain(request: Request, session: DbSession, settings: AppSettings,
                     viewer: AccountViewer, action: _DomainAction) -> FastJSON:
    """`action` (block_domain or unblock_domain) on the form's domain, normalised."""
    form = await parse(request, DomainForm)
    domain = blocks.normalise_domain(form.domain, own_domain=settings.domain)
    await action(session, actor=viewer.account, domain=domain)
    return json_response({})


@router.post("/api/v1/domain_blocks", openapi_extra=body(DomainForm))
async def block_domain(request: Request, session: DbSession, settings: AppSettings,
                       viewer: Blocking) -> FastJSON:
    return await _on_domain(request, session, settings, viewer, blocks.block_domain)


@router.delete("/api/v1/domain_blocks", openapi_extra=body(DomainForm))
async def unblock_domain(request: Request, session: DbSession, settings: AppSettings,
                         viewer: Blocking) -> FastJSON:
    return await _on_domain(request, session, settings, viewer, blocks.unblock_domain)
