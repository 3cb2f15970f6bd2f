"""Mastodon API: block/unblock, mute/unmute, the blocks and mutes lists, domain blocks."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from parley.accounts.service import get_account
from parley.api.deps import AppSettings, DbSession, Viewer, parse_id, user_required
from parley.api.entities.accounts import account_entity, render_relationship
from parley.api.pagination import Page, link_header
from parley.api.params import parse
from parley.api.responses import FastJSON, json_response
from parley.lib.timefmt import iso
from parley.social import blocks

router = APIRouter()


async def _relationship(session: DbSession, viewer: Viewer, account_id: int) -> FastJSON:
    return json_response(await render_relationship(session, viewer.id, account_id))


@router.post("/api/v1/accounts/{account_id}/block")
async def block(account_id: str, session: DbSession,
                viewer: Viewer = Depends(user_required("write:blocks"))) -> FastJSON:
    target = await get_account(session, parse_id(account_id))
    await blocks.block(session, actor=viewer.account, target=target)
    return await _relationship(session, viewer, target.id)


@router.post("/api/v1/accounts/{account_id}/unblock")
async def unblock(account_id: str, session: DbSession,
                  viewer: Viewer = Depends(user_required("write:blocks"))) -> FastJSON:
    target = await get_account(session, parse_id(account_id))
    await blocks.unblock(session, actor=viewer.account, target=target)
    return await _relationship(session, viewer, target.id)


class MuteForm(BaseModel):
    notifications: bool = True
    duration: int = Field(default=0, ge=0, le=2**31)


@router.post("/api/v1/accounts/{account_id}/mute")
async def mute(account_id: str, request: Request, session: DbSession,
               viewer: Viewer = Depends(user_required("write:mutes"))) -> FastJSON:
    form = await parse(request, MuteForm)
    target = await get_account(session, parse_id(account_id))
    await blocks.mute(session, actor=viewer.account, target=target,
                      notifications=form.notifications, duration=form.duration)
    return await _relationship(session, viewer, target.id)


@router.post("/api/v1/accounts/{account_id}/unmute")
async def unmute(account_id: str, session: DbSession,
                 viewer: Viewer = Depends(user_required("write:mutes"))) -> FastJSON:
    target = await get_account(session, parse_id(account_id))
    await blocks.unmute(session, actor=viewer.account, target=target)
    return await _relationship(session, viewer, target.id)


@router.get("/api/v1/blocks")
async def blocked(request: Request, session: DbSession, settings: AppSettings,
                  viewer: Viewer = Depends(user_required("read:blocks"))) -> FastJSON:
    rows = await blocks.blocked_accounts(session, viewer_id=viewer.id,
                                         page=Page.from_request(request, default=40, maximum=80))
    return json_response([account_entity(account, settings) for _, account in rows],
                         link=link_header(request, [cursor for cursor, _ in rows]))


@router.get("/api/v1/mutes")
async def muted(request: Request, session: DbSession, settings: AppSettings,
                viewer: Viewer = Depends(user_required("read:mutes"))) -> FastJSON:
    rows = await blocks.muted_accounts(session, viewer_id=viewer.id,
                                       page=Page.from_request(request, default=40, maximum=80))
    entities = [{**account_entity(account, settings), "mute_expires_at": iso(row.expires_at)}
                for row, account in rows]
    return json_response(entities, link=link_header(request, [row.id for row, _ in rows]))


@router.get("/api/v1/domain_blocks")
async def domain_blocks(request: Request, session: DbSession,
                        viewer: Viewer = Depends(user_required("read:blocks"))) -> FastJSON:
    rows = await blocks.blocked_domains(
        session, viewer_id=viewer.id, page=Page.from_request(request, default=100, maximum=200))
    return json_response([domain for _, domain in rows],
                         link=link_header(request, [cursor for cursor, _ in rows]))


class DomainForm(BaseModel):
    domain: str = Field(min_length=1, max_length=1000)


@router.post("/api/v1/domain_blocks")
async def block_domain(request: Request, session: DbSession, settings: AppSettings,
                       viewer: Viewer = Depends(user_required("write:blocks"))) -> FastJSON:
    form = await parse(request, DomainForm)
    domain = blocks.normalise_domain(form.domain, own_domain=settings.domain)
    await blocks.block_domain(session, actor=viewer.account, domain=domain)
    return json_response({})


@router.delete("/api/v1/domain_blocks")
async def unblock_domain(request: Request, session: DbSession, settings: AppSettings,
                         viewer: Viewer = Depends(user_required("write:blocks"))) -> FastJSON:
    form = await parse(request, DomainForm)
    domain = blocks.normalise_domain(form.domain, own_domain=settings.domain)
    await blocks.unblock_domain(session, actor=viewer.account, domain=domain)
    return json_response({})
