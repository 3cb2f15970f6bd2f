"""Mastodon API: quotes of a status (4.5): its quote policy, the list of its quotes,
revoking a quote, and (Parley's, for the `manual` policy) approving or rejecting one."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, field_validator

from parley.api.entities.statuses import render_status, render_statuses
from parley.api.pagination import PAGED, Page, link_header
from parley.api.params import parse
from parley.http.auth import Viewer, user_required
from parley.http.deps import AppSettings, DbSession, path_id
from parley.http.openapi import body
from parley.http.responses import FastJSON, json_response
from parley.posts import quotes

router = APIRouter()


class PolicyForm(BaseModel):
    quote_approval_policy: str | None = None

    @field_validator("quote_approval_policy", mode="before")
    @classmethod
    def _none_if_empty(cls, value: object) -> object:
        return None if value == "" else value


@router.put("/api/v1/statuses/{status_id}/interaction_policy", openapi_extra=body(PolicyForm))
async def interaction_policy(status_id: str, request: Request, session: DbSession,
                             settings: AppSettings,
                             viewer: Viewer = Depends(user_required("write:statuses"))
                             ) -> FastJSON:
    form = await parse(request, PolicyForm)
    post = await quotes.set_policy(session, actor_id=viewer.id, post_id=path_id(status_id),
                                   policy=form.quote_approval_policy)
    return json_response(await render_status(session, post, viewer_id=viewer.id,
                                             settings=settings))


@router.get("/api/v1/statuses/{status_id}/quotes", openapi_extra=PAGED)
async def quotes_of(status_id: str, request: Request, session: DbSession,
                    settings: AppSettings,
                    viewer: Viewer = Depends(user_required("read:statuses"))) -> FastJSON:
    found = await quotes.quotes_of(session, actor_id=viewer.id, post_id=path_id(status_id),
                                   page=Page.from_request(request))
    rendered = await render_statuses(session, found, viewer_id=viewer.id, settings=settings)
    return json_response(rendered, link=link_header(request, [post.id for post in found]))


@router.post("/api/v1/statuses/{status_id}/quotes/{quoting_status_id}/revoke")
async def revoke(status_id: str, quoting_status_id: str, session: DbSession,
                 settings: AppSettings,
                 viewer: Viewer = Depends(user_required("write:statuses"))) -> FastJSON:
    quote = await quotes.revoke_quote(session, actor_id=viewer.id,
                                      post_id=path_id(status_id),
                                      quoting_id=path_id(quoting_status_id))
    return json_response(await render_status(session, quote, viewer_id=viewer.id,
                                             settings=settings))


async def _decide(status_id: str, quoting_status_id: str, session: DbSession,
                  settings: AppSettings, viewer: Viewer, *, approve: bool) -> FastJSON:
    quote = await quotes.decide_quote(session, actor_id=viewer.id, post_id=path_id(status_id),
                                      quoting_id=path_id(quoting_status_id), approve=approve)
    return json_response(await render_status(session, quote, viewer_id=viewer.id,
                                             settings=settings))


@router.post("/api/v1/statuses/{status_id}/quotes/{quoting_status_id}/approve")
async def approve(status_id: str, quoting_status_id: str, session: DbSession,
                  settings: AppSettings,
                  viewer: Viewer = Depends(user_required("write:statuses"))) -> FastJSON:
    """Parley's: the author approves a quote waiting for them (the `manual` policy)."""
    return await _decide(status_id, quoting_status_id, session, settings, viewer,
                         approve=True)


@router.post("/api/v1/statuses/{status_id}/quotes/{quoting_status_id}/reject")
async def reject(status_id: str, quoting_status_id: str, session: DbSession,
                 settings: AppSettings,
                 viewer: Viewer = Depends(user_required("write:statuses"))) -> FastJSON:
    """Parley's: the author refuses a quote waiting for them."""
    return await _decide(status_id, quoting_status_id, session, settings, viewer,
                         approve=False)
