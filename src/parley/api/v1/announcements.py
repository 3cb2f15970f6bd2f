"""Mastodon API: announcements for users (list, dismiss, reactions); the staff write them
through the announcements service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from parley.announcements import service as announcements
from parley.api.params import parse
from parley.http.auth import Viewer, user_required
from parley.http.deps import DbSession, path_id
from parley.http.openapi import query
from parley.http.responses import FastJSON, json_response
from parley.lib.timefmt import iso

router = APIRouter()
Reading = Annotated[Viewer, Depends(user_required("read"))]
Dismissing = Annotated[Viewer, Depends(user_required("write:accounts"))]
Reacting = Annotated[Viewer, Depends(user_required("write:favourites"))]


def _when(value: Any, all_day: bool) -> str | None:
    text = iso(value)
    return text[:10] if text is not None and all_day else text


def announcement_entity(shown: announcements.ShownAnnouncement) -> dict[str, Any]:
    """Mastodon's Announcement (no mentions, tags, statuses or custom emoji in Parley's)."""
    row = shown.row
    all_day = bool(row.all_day) and (row.starts_at is not None or row.ends_at is not None)
    return {
        "id": str(row.id),
        "content": row.content,
        "starts_at": iso(row.starts_at),
        "ends_at": iso(row.ends_at),
        "all_day": all_day,
        "published_at": iso(row.published_at or row.created_at),
        "updated_at": iso(row.updated_at),
        "read": shown.read,
        "mentions": [],
        "statuses": [],
        "tags": [],
        "emojis": [],
        "reactions": [{"name": r.name, "count": r.count, "me": r.me}
                      for r in shown.reactions],
    }


class ListQuery(BaseModel):
    with_dismissed: bool = False


@router.get("/api/v1/announcements", openapi_extra=query(ListQuery))
async def list_announcements(request: Request, session: DbSession, viewer: Reading
                             ) -> FastJSON:
    query = await parse(request, ListQuery)
    shown = await announcements.active_announcements(session, account_id=viewer.id,
                                                     with_dismissed=query.with_dismissed)
    return json_response([announcement_entity(item) for item in shown])


@router.post("/api/v1/announcements/{announcement_id}/dismiss")
async def dismiss(announcement_id: str, session: DbSession, viewer: Dismissing) -> FastJSON:
    await announcements.dismiss(session, account_id=viewer.id,
                                announcement_id=path_id(announcement_id))
    return json_response({})


@router.put("/api/v1/announcements/{announcement_id}/reactions/{name}")
async def add_reaction(announcement_id: str, name: str, session: DbSession,
                       viewer: Reacting) -> FastJSON:
    await announcements.add_reaction(session, account_id=viewer.id,
                                     announcement_id=path_id(announcement_id), name=name)
    return json_response({})


@router.delete("/api/v1/announcements/{announcement_id}/reactions/{name}")
async def remove_reaction(announcement_id: str, name: str, session: DbSession,
                          viewer: Reacting) -> FastJSON:
    await announcements.remove_reaction(session, account_id=viewer.id,
                                        announcement_id=path_id(announcement_id), name=name)
    return json_response({})
