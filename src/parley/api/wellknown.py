"""The discovery documents below /.well-known (besides NodeInfo's): host-meta and
WebFinger."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from parley.errors import NotFound, ParleyError
from parley.http.deps import AppSettings, DbSession
from parley.http.responses import FastJSON
from parley.instance import webfinger

router = APIRouter()


@router.get("/.well-known/host-meta")
async def host_meta(settings: AppSettings) -> Response:
    return Response(webfinger.host_meta_xml(settings),
                    media_type="application/xrd+xml; charset=utf-8")


@router.get("/.well-known/host-meta.json")
async def host_meta_json(settings: AppSettings) -> FastJSON:
    return FastJSON(webfinger.host_meta_json(settings), media_type="application/json")


@router.get("/.well-known/webfinger")
async def webfinger_resource(session: DbSession, settings: AppSettings,
                             resource: str = "") -> FastJSON:
    if not resource.strip():
        raise ParleyError("The resource parameter is missing")  # 400, as in Mastodon
    account = await webfinger.find_local(session, settings, resource)
    if account is None:
        raise NotFound()
    response = FastJSON(webfinger.account_jrd(account, settings))
    response.headers["content-type"] = "application/jrd+json; charset=utf-8"
    return response
