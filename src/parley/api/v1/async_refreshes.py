"""Mastodon API: the state of an asynchronous refresh (GET /api/v1_alpha/async_refreshes/:id),
as Mastodon 4.4 serves it, read through http/refresh.py's seam."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from parley.errors import NotFound
from parley.http.auth import Viewer, user_required
from parley.http.refresh import entity, thread_refresher
from parley.http.responses import FastJSON, json_response

router = APIRouter()


@router.get("/api/v1_alpha/async_refreshes/{refresh_id}")
async def get_async_refresh(refresh_id: str, request: Request,
                            viewer: Viewer = Depends(user_required("read"))) -> FastJSON:
    refresh = await thread_refresher(request.app.state).get(refresh_id)
    if refresh is None:
        raise NotFound()
    return json_response({"async_refresh": entity(refresh)})
