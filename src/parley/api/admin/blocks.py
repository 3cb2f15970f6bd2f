"""Mastodon admin API: domain blocks, e-mail domain blocks and IP blocks (CRUD)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from parley.accounts.roles import Permission
from parley.api.entities.admin_blocks import (
    domain_block_entity,
    email_domain_block_entity,
    ip_block_entity,
)
from parley.api.params import parse
from parley.http.auth import StaffViewer, staff_required
from parley.http.deps import DbSession, path_id
from parley.http.openapi import body
from parley.http.responses import FastJSON, json_response
from parley.moderation import blocks

router = APIRouter()
# Mastodon: domain blocks need manage_federation, e-mail and IP blocks manage_blocks (admins).
DOMAIN_READ = staff_required("admin:read:domain_blocks", Permission.MANAGE_FEDERATION)
DOMAIN_WRITE = staff_required("admin:write:domain_blocks", Permission.MANAGE_FEDERATION)
EMAIL_READ = staff_required("admin:read:email_domain_blocks", Permission.MANAGE_BLOCKS)
EMAIL_WRITE = staff_required("admin:write:email_domain_blocks", Permission.MANAGE_BLOCKS)
IP_READ = staff_required("admin:read:ip_blocks", Permission.MANAGE_BLOCKS)
IP_WRITE = staff_required("admin:write:ip_blocks", Permission.MANAGE_BLOCKS)


class DomainBlockParams(BaseModel):
    domain: str | None = Field(default=None, max_length=255)
    severity: str | None = None
    reject_media: bool | None = None
    reject_reports: bool | None = None
    private_comment: str | None = Field(default=None, max_length=5000)
    public_comment: str | None = Field(default=None, max_length=5000)
    obfuscate: bool | None = None

    def form(self) -> blocks.DomainBlockForm:
        return blocks.DomainBlockForm(
            severity=self.severity, reject_media=self.reject_media,
            reject_reports=self.reject_reports, private_comment=self.private_comment,
            public_comment=self.public_comment, obfuscate=self.obfuscate)


@router.get("/api/v1/admin/domain_blocks")
async def list_domain_blocks(session: DbSession,
                             viewer: StaffViewer = Depends(DOMAIN_READ)) -> FastJSON:
    return json_response([domain_block_entity(b)
                          for b in await blocks.list_domain_blocks(session)])


@router.get("/api/v1/admin/domain_blocks/{block_id}")
async def show_domain_block(block_id: str, session: DbSession,
                            viewer: StaffViewer = Depends(DOMAIN_READ)) -> FastJSON:
    return json_response(domain_block_entity(
        await blocks.get_domain_block(session, path_id(block_id))))


@router.post("/api/v1/admin/domain_blocks", openapi_extra=body(DomainBlockParams))
async def create_domain_block(request: Request, session: DbSession,
                              viewer: StaffViewer = Depends(DOMAIN_WRITE)) -> FastJSON:
    params = await parse(request, DomainBlockParams)
    block = await blocks.create_domain_block(session, viewer.id, params.domain or "",
                                             params.form())
    return json_response(domain_block_entity(block))


@router.put("/api/v1/admin/domain_blocks/{block_id}", openapi_extra=body(DomainBlockParams))
async def update_domain_block(block_id: str, request: Request, session: DbSession,
                              viewer: StaffViewer = Depends(DOMAIN_WRITE)) -> FastJSON:
    params = await parse(request, DomainBlockParams)
    block = await blocks.update_domain_block(session, viewer.id, path_id(block_id),
                                             params.form())
    return json_response(domain_block_entity(block))


@router.delete("/api/v1/admin/domain_blocks/{block_id}")
async def delete_domain_block(block_id: str, session: DbSession,
                              viewer: StaffViewer = Depends(DOMAIN_WRITE)) -> FastJSON:
    await blocks.delete_domain_block(session, viewer.id, path_id(block_id))
    return json_response({})


class EmailDomainParams(BaseModel):
    domain: str | None = Field(default=None, max_length=255)


@router.get("/api/v1/admin/email_domain_blocks")
async def list_email_domain_blocks(session: DbSession,
                                   viewer: StaffViewer = Depends(EMAIL_READ)) -> FastJSON:
    return json_response([email_domain_block_entity(b)
                          for b in await blocks.list_email_domain_blocks(session)])


@router.get("/api/v1/admin/email_domain_blocks/{block_id}")
async def show_email_domain_block(block_id: str, session: DbSession,
                                  viewer: StaffViewer = Depends(EMAIL_READ)) -> FastJSON:
    return json_response(email_domain_block_entity(
        await blocks.get_email_domain_block(session, path_id(block_id))))


@router.post("/api/v1/admin/email_domain_blocks", openapi_extra=body(EmailDomainParams))
async def create_email_domain_block(request: Request, session: DbSession,
                                    viewer: StaffViewer = Depends(EMAIL_WRITE)) -> FastJSON:
    params = await parse(request, EmailDomainParams)
    block = await blocks.create_email_domain_block(session, viewer.id, params.domain or "")
    return json_response(email_domain_block_entity(block))


@router.delete("/api/v1/admin/email_domain_blocks/{block_id}")
async def delete_email_domain_block(block_id: str, session: DbSession,
                                    viewer: StaffViewer = Depends(EMAIL_WRITE)) -> FastJSON:
    await blocks.delete_email_domain_block(session, viewer.id, path_id(block_id))
    return json_response({})


class IpBlockParams(BaseModel):
    ip: str | None = Field(default=None, max_length=64)
    severity: str | None = None
    comment: str | None = Field(default=None, max_length=5000)
    expires_in: int | None = Field(default=None, ge=1, le=10 * 365 * 86400)

    def form(self) -> blocks.IpBlockForm:
        return blocks.IpBlockForm(ip=self.ip, severity=self.severity, comment=self.comment,
                                  expires_in=self.expires_in)


@router.get("/api/v1/admin/ip_blocks")
async def list_ip_blocks(session: DbSession,
                         viewer: StaffViewer = Depends(IP_READ)) -> FastJSON:
    return json_response([ip_block_entity(b) for b in await blocks.list_ip_blocks(session)])


@router.get("/api/v1/admin/ip_blocks/{block_id}")
async def show_ip_block(block_id: str, session: DbSession,
                        viewer: StaffViewer = Depends(IP_READ)) -> FastJSON:
    return json_response(ip_block_entity(await blocks.get_ip_block(session,
                                                                   path_id(block_id))))


@router.post("/api/v1/admin/ip_blocks", openapi_extra=body(IpBlockParams))
async def create_ip_block(request: Request, session: DbSession,
                          viewer: StaffViewer = Depends(IP_WRITE)) -> FastJSON:
    params = await parse(request, IpBlockParams)
    return json_response(ip_block_entity(await blocks.create_ip_block(session, viewer.id,
                                                                      params.form())))


@router.put("/api/v1/admin/ip_blocks/{block_id}", openapi_extra=body(IpBlockParams))
async def update_ip_block(block_id: str, request: Request, session: DbSession,
                          viewer: StaffViewer = Depends(IP_WRITE)) -> FastJSON:
    params = await parse(request, IpBlockParams)
    block = await blocks.update_ip_block(session, viewer.id, path_id(block_id), params.form())
    return json_response(ip_block_entity(block))


@router.delete("/api/v1/admin/ip_blocks/{block_id}")
async def delete_ip_block(block_id: str, session: DbSession,
                          viewer: StaffViewer = Depends(IP_WRITE)) -> FastJSON:
    await blocks.delete_ip_block(session, viewer.id, path_id(block_id))
    return json_response({})
