"""Mastodon API: notification requests (notifications the policy held back, per sender)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, field_validator

from parley.api.entities.notification_requests import render_requests
from parley.api.pagination import PAGED, Page, link_header
from parley.api.params import parse
from parley.errors import NotFound
from parley.http.auth import Viewer, user_required
from parley.http.deps import AppSettings, DbSession, path_id
from parley.http.openapi import body
from parley.http.responses import FastJSON, json_response
from parley.lib.ids import parse_id
from parley.notifications import requests as held

router = APIRouter()
LIMIT, MAX_LIMIT = 40, 80
MAX_BATCH = 100


@router.get("/api/v1/notifications/requests", openapi_extra=PAGED)
async def list_requests(request: Request, session: DbSession, settings: AppSettings,
                        viewer: Viewer = Depends(user_required("read:notifications"))
                        ) -> FastJSON:
    rows = await held.list_requests(session, viewer_id=viewer.id,
                                    page=Page.from_request(request, default=LIMIT,
                                                           maximum=MAX_LIMIT))
    return json_response(await render_requests(session, rows, viewer.id, settings),
                         link=link_header(request, [row.id for row in rows]))


@router.get("/api/v1/notifications/requests/merged")
async def merged(_viewer: Viewer = Depends(user_required("read:notifications"))) -> FastJSON:
    """Accepting merges at once, in the same transaction: there is never anything pending."""
    return json_response({"merged": True})


class BatchForm(BaseModel):
    id: list[str] = Field(min_length=1, max_length=MAX_BATCH)

    @field_validator("id", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        if isinstance(value, str | int):
            return [value]
        if isinstance(value, dict):  # Mastodon.py sends id[][]=…, which nests one level
            return [item for inner in value.values()
                    for item in (inner if isinstance(inner, list) else [inner])]
        return value


def _batch_ids(form: BatchForm) -> list[int]:
    # Unknown or malformed ids are skipped, as Mastodon skips requests that are not yours.
    return [i for i in (parse_id(str(raw)) for raw in form.id) if i is not None]


@router.post("/api/v1/notifications/requests/accept", openapi_extra=body(BatchForm))
async def accept_many(request: Request, session: DbSession,
                      viewer: Viewer = Depends(user_required("write:notifications"))
                      ) -> FastJSON:
    form = await parse(request, BatchForm)
    await held.accept_requests(session, viewer_id=viewer.id, request_ids=_batch_ids(form))
    return json_response({})


@router.post("/api/v1/notifications/requests/dismiss", openapi_extra=body(BatchForm))
async def dismiss_many(request: Request, session: DbSession,
                       viewer: Viewer = Depends(user_required("write:notifications"))
                       ) -> FastJSON:
    form = await parse(request, BatchForm)
    await held.dismiss_requests(session, viewer_id=viewer.id, request_ids=_batch_ids(form))
    return json_response({})


@router.get("/api/v1/notifications/requests/{request_id}")
async def get_request(request_id: str, session: DbSession, settings: AppSettings,
                      viewer: Viewer = Depends(user_required("read:notifications"))
                      ) -> FastJSON:
    row = await held.get_request(session, viewer_id=viewer.id, request_id=path_id(request_id))
    rendered = await render_requests(session, [row], viewer.id, settings)
    if not rendered:
        raise NotFound()
    return json_response(rendered[0])


@router.post("/api/v1/notifications/requests/{request_id}/accept")
async def accept_one(request_id: str, session: DbSession,
                     viewer: Viewer = Depends(user_required("write:notifications"))) -> FastJSON:
    if not await held.accept_requests(session, viewer_id=viewer.id,
                                      request_ids=[path_id(request_id)]):
        raise NotFound()
    return json_response({})


@router.post("/api/v1/notifications/requests/{request_id}/dismiss")
async def dismiss_one(request_id: str, session: DbSession,
                      viewer: Viewer = Depends(user_required("write:notifications"))
                      ) -> FastJSON:
    if not await held.dismiss_requests(session, viewer_id=viewer.id,
                                       request_ids=[path_id(request_id)]):
        raise NotFound()
    return json_response({})
