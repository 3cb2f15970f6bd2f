"""Stored media files at /media/<key> (local storage): typed, cached for ever (a key names
one content only), byte ranges for video, and nothing a browser could run."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import FileResponse, RedirectResponse, Response

from parley.errors import NotFound
from parley.http.deps import AppSettings
from parley.media.storage import PRIVATE_PREFIX, LocalStorage, content_type_of, storage_for

router = APIRouter()
HEADERS = {"Cache-Control": "public, max-age=31536000, immutable",
           "X-Content-Type-Options": "nosniff",
           "Content-Security-Policy": "default-src 'none'"}


@router.get("/media/{key:path}")
async def media_file(key: str, settings: AppSettings) -> Response:
    """No page context (no database) for a static file; FileResponse answers Range requests
    with 206 and a Content-Range."""
    storage = storage_for(settings)
    if key.startswith(PRIVATE_PREFIX):
        raise NotFound()
    if not isinstance(storage, LocalStorage):  # files live in a bucket: send the client there
        return RedirectResponse(storage.url(key), status_code=301)
    path = storage.path(key)
    if path is None:
        raise NotFound()
    return FileResponse(path, media_type=content_type_of(key), headers=HEADERS)
