"""NodeInfo 2.0 and 2.1 (/.well-known/nodeinfo, /nodeinfo/2.0, /nodeinfo/2.1): what software
runs here, for crawlers and for apps that adapt to the server."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from parley.config import SOURCE_URL, VERSION, Settings
from parley.http.deps import AppSettings, DbSession
from parley.http.responses import FastJSON, json_response
from parley.instance import service as instance

router = APIRouter()

SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/{}"
VERSIONS = ("2.0", "2.1")


@router.get("/.well-known/nodeinfo")
async def discovery(settings: AppSettings) -> FastJSON:
    return json_response({"links": [
        {"rel": SCHEMA.format(version), "href": f"{settings.base_url}/nodeinfo/{version}"}
        for version in VERSIONS]})


def _software(version: str) -> dict[str, Any]:
    software = {"name": "parley", "version": VERSION}
    if version != "2.0":  # 2.1 added where the code and the project live
        software.update(repository=SOURCE_URL, homepage=SOURCE_URL)
    return software


async def _nodeinfo(session: DbSession, settings: Settings, version: str) -> FastJSON:
    stats = await instance.instance_stats(session)
    response = json_response({
        "version": version,
        "software": _software(version),
        "protocols": ["activitypub"],
        "services": {"outbound": [], "inbound": []},
        "usage": {
            "users": {"total": stats.user_count,
                      "activeMonth": await instance.active_users(session, days=30),
                      "activeHalfyear": await instance.active_users(session, days=180)},
            "localPosts": stats.status_count,
        },
        # As Mastodon counts it: anyone may ask to join, approval or not.
        "openRegistrations": settings.registrations != "closed",
        "metadata": {"nodeName": settings.instance_title,
                     "nodeDescription": settings.instance_description},
    })
    response.headers["content-type"] = (
        f'application/json; profile="{SCHEMA.format(version)}#"')
    return response


@router.get("/nodeinfo/2.0")
async def nodeinfo_2_0(session: DbSession, settings: AppSettings) -> FastJSON:
    return await _nodeinfo(session, settings, "2.0")


@router.get("/nodeinfo/2.1")
async def nodeinfo_2_1(session: DbSession, settings: AppSettings) -> FastJSON:
    return await _nodeinfo(session, settings, "2.1")
