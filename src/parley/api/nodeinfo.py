"""NodeInfo 2.0 (/.well-known/nodeinfo, /nodeinfo/2.0): what software runs here, for crawlers."""

from __future__ import annotations

from fastapi import APIRouter

from parley.config import VERSION
from parley.http.deps import AppSettings, DbSession
from parley.http.responses import FastJSON, json_response
from parley.instance import service as instance

router = APIRouter()

SCHEMA_2_0 = "http://nodeinfo.diaspora.software/ns/schema/2.0"


@router.get("/.well-known/nodeinfo")
async def discovery(settings: AppSettings) -> FastJSON:
    return json_response({"links": [{"rel": SCHEMA_2_0,
                                     "href": f"{settings.base_url}/nodeinfo/2.0"}]})


@router.get("/nodeinfo/2.0")
async def nodeinfo(session: DbSession, settings: AppSettings) -> FastJSON:
    stats = await instance.instance_stats(session)
    response = json_response({
        "version": "2.0",
        "software": {"name": "parley", "version": VERSION},
        "protocols": ["activitypub"],
        "services": {"outbound": [], "inbound": []},
        "usage": {
            "users": {"total": stats.user_count,
                      "activeMonth": await instance.active_users(session, days=30),
                      "activeHalfyear": await instance.active_users(session, days=180)},
            "localPosts": stats.status_count,
        },
        "openRegistrations": settings.registrations == "open",
        "metadata": {"nodeName": settings.instance_title,
                     "nodeDescription": settings.instance_description},
    })
    response.headers["content-type"] = f'application/json; profile="{SCHEMA_2_0}#"'
    return response
