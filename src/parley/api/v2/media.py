"""Mastodon API: POST /api/v2/media — images answered processed (200), video, GIFs and
audio queued for the job worker (202, url null until done)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from parley.api.v1.media import UPLOAD, upload_media
from parley.http.auth import Viewer, user_required
from parley.http.deps import AppSettings
from parley.http.responses import FastJSON

router = APIRouter()


@router.post("/api/v2/media", openapi_extra=UPLOAD)
async def upload_v2(request: Request, settings: AppSettings,
                    viewer: Viewer = Depends(user_required("write:media"))) -> FastJSON:
    return await upload_media(request, settings, viewer, synchronous=False)
