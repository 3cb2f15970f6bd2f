"""Mastodon API: media uploads (/api/v1/media legacy and /api/v2/media) and one's own
attachments (GET/PUT/DELETE /api/v1/media/:id).

An upload is read to disk and processed before any transaction opens: on SQLite the one
writer is held only for the row's INSERT, never while an image is resized."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from parley.api.entities.media import media_entity
from parley.api.params import read_params
from parley.config import Settings
from parley.errors import Invalid
from parley.http.auth import Viewer, user_required
from parley.http.deps import AppSettings, path_id
from parley.http.hygiene import MAX_BODY
from parley.http.openapi import FORM_TYPES, UPLOAD_TYPES, body
from parley.http.responses import FastJSON, json_response
from parley.http.uploads import UploadedFile, UploadForm, capped_request, read_upload
from parley.lib.ids import new_id
from parley.media import processing
from parley.media import service as media
from parley.media.limits import BODY_SLACK, VIDEO_SIZE_LIMIT
from parley.media.models import DONE, PROCESSING
from parley.store.database import Database

router = APIRouter()
UPLOAD_CAP = VIDEO_SIZE_LIMIT + BODY_SLACK


class DetailsFields(BaseModel):
    """An attachment's details as a form or JSON (for the OpenAPI document: the routes read
    them by hand, with the files)."""

    description: str | None = None
    focus: str | None = None


class UploadFields(DetailsFields):
    """An upload's multipart form (read by http/uploads.py)."""

    file: bytes
    thumbnail: bytes | None = None


UPLOAD = body(UploadFields, UPLOAD_TYPES)  # the `openapi_extra` of both upload routes


def _details(form: UploadForm) -> media.Details:
    return media.Details(description=form.fields.get("description"),
                         focus=form.fields.get("focus"))


async def _thumbnail(settings: Settings, media_id: int, upload: UploadedFile | None
                     ) -> tuple[str, str] | None:
    if upload is None:
        return None
    return await processing.store_thumbnail(settings, media_id, upload.path, upload.size)


async def upload_media(request: Request, settings: Settings, viewer: Viewer, *,
                       synchronous: bool) -> FastJSON:
    """Read, check and process an upload, then record it in one short transaction. Files
    stored for an upload that is then refused are removed again."""
    db: Database = request.app.state.db
    async with read_upload(request, cap=UPLOAD_CAP, directory=processing.tmp_dir(settings),
                           files=("file", "thumbnail")) as form:
        details = _details(form)
        media.check_details(details)
        upload = form.files.get("file")
        if upload is None:
            raise Invalid(processing.EMPTY)
        media_id = new_id()
        outcome = await processing.process_upload(settings, media_id, upload.path, upload.size,
                                                  synchronous=synchronous)
        stored = outcome.stored_keys()
        try:
            thumbnail = await _thumbnail(settings, media_id, form.files.get("thumbnail"))
            stored += [thumbnail[0]] if thumbnail else []
            async with db.write() as session:
                row = await media.record_upload(session, account_id=viewer.id, outcome=outcome,
                                                details=details, thumbnail=thumbnail)
                entity = media_entity(row, settings)
        except BaseException:
            await processing.remove_files(settings, stored)
            raise
    return json_response(entity, status=200 if row.state == DONE else 202)


@router.post("/api/v1/media", openapi_extra=UPLOAD)
async def upload_v1(request: Request, settings: AppSettings,
                    viewer: Viewer = Depends(user_required("write:media"))) -> FastJSON:
    """Legacy: processed before the answer, whatever the file."""
    return await upload_media(request, settings, viewer, synchronous=True)


@router.get("/api/v1/media/{media_id}")
async def show(media_id: str, request: Request, settings: AppSettings,
               viewer: Viewer = Depends(user_required("write:media"))) -> FastJSON:
    db: Database = request.app.state.db
    async with db.read() as session:
        row = media.check_not_failed(await media.own_media(
            session, account_id=viewer.id, media_id=path_id(media_id)))
        entity = media_entity(row, settings)
    return json_response(entity, status=206 if row.state == PROCESSING else 200)


async def _update(request: Request, settings: Settings, db: Database, viewer: Viewer,
                  media_id: int, form: UploadForm) -> FastJSON:
    details = _details(form)
    media.check_details(details)
    thumbnail = await _thumbnail(settings, media_id, form.files.get("thumbnail"))
    try:
        async with db.write() as session:
            row = await media.own_media(session, account_id=viewer.id, media_id=media_id)
            await media.update_media(session, row, details, thumbnail=thumbnail)
            return json_response(media_entity(row, settings))
    except BaseException:
        await processing.remove_files(settings, [thumbnail[0]] if thumbnail else [])
        raise


@router.put("/api/v1/media/{media_id}", openapi_extra=body(DetailsFields, FORM_TYPES))
async def update(media_id: str, request: Request, settings: AppSettings,
                 viewer: Viewer = Depends(user_required("write:media"))) -> FastJSON:
    """Description, focus and (multipart) a thumbnail of one's own unattached upload."""
    db: Database = request.app.state.db
    ident = path_id(media_id)
    async with db.read() as session:  # not found before any thumbnail is processed
        await media.own_media(session, account_id=viewer.id, media_id=ident)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        params = await read_params(capped_request(request, MAX_BODY))
        fields: dict[str, str] = {key: str(params[key]) for key in ("description", "focus")
                                  if key in params}
        return await _update(request, settings, db, viewer, ident, UploadForm(fields=fields))
    async with read_upload(request, cap=UPLOAD_CAP, directory=processing.tmp_dir(settings),
                           files=("thumbnail",)) as form:
        return await _update(request, settings, db, viewer, ident, form)


@router.delete("/api/v1/media/{media_id}")
async def destroy(media_id: str, request: Request,
                  viewer: Viewer = Depends(user_required("write:media"))) -> FastJSON:
    db: Database = request.app.state.db
    async with db.write() as session:
        await media.delete_media(session, account_id=viewer.id, media_id=path_id(media_id))
    return json_response({})
