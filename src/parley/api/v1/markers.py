"""Mastodon API: read markers for the home and notifications timelines."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, field_validator

from parley.api.params import parse
from parley.errors import Invalid
from parley.http.auth import Viewer, user_required
from parley.http.deps import DbSession
from parley.http.openapi import body, query
from parley.http.responses import FastJSON, json_response
from parley.lib.ids import parse_id
from parley.lib.timefmt import iso
from parley.notifications import markers
from parley.notifications.models import Marker

router = APIRouter()


def _entities(rows: list[Marker]) -> dict[str, Any]:
    return {row.timeline: {"last_read_id": str(row.last_read_id), "version": row.version,
                           "updated_at": iso(row.updated_at)} for row in rows}


class MarkersQuery(BaseModel):
    timeline: list[str] = Field(default=[], max_length=10)

    @field_validator("timeline", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


@router.get("/api/v1/markers", openapi_extra=query(MarkersQuery))
async def get_markers(request: Request, session: DbSession,
                      viewer: Viewer = Depends(user_required("read:statuses"))) -> FastJSON:
    query = await parse(request, MarkersQuery)
    rows = await markers.get_markers(session, account_id=viewer.id, timelines=query.timeline)
    return json_response(_entities(rows))


class Position(BaseModel):
    last_read_id: str | int = Field(union_mode="left_to_right")

    def as_id(self, timeline: str) -> int:
        value = parse_id(str(self.last_read_id))
        if value is None:
            raise Invalid(f"Validation failed: {timeline}[last_read_id] is not an id")
        return value


class MarkersForm(BaseModel):
    home: Position | None = None
    notifications: Position | None = None


@router.post("/api/v1/markers", openapi_extra=body(MarkersForm))
async def save_markers(request: Request, session: DbSession,
                       viewer: Viewer = Depends(user_required("write:statuses"))) -> FastJSON:
    form = await parse(request, MarkersForm)
    positions = {name: position.as_id(name) for name, position in
                 (("home", form.home), ("notifications", form.notifications))
                 if position is not None}
    if not positions:
        raise Invalid("Validation failed: give home[last_read_id] or "
                      "notifications[last_read_id]")
    rows = await markers.save_markers(session, account_id=viewer.id, positions=positions)
    return json_response(_entities(rows))
