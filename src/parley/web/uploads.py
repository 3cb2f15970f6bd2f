"""The compose form's attachments: a multipart form (files file_1..file_4, descriptions
alt_1..alt_4) read to disk with a byte cap (http/uploads.py), each file processed by media/
and recorded as the author's upload, ready for the post to take. A plain form (no files, or
JavaScript and multipart both absent) reads as before."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from parley.config import Settings
from parley.http.uploads import UploadForm, read_upload
from parley.lib.ids import new_id
from parley.media import processing
from parley.media.limits import BODY_SLACK, VIDEO_SIZE_LIMIT
from parley.media.service import Details, check_details, record_upload
from parley.posts.media import MAX_ATTACHMENTS
from parley.web.forms import MAX_FIELD_LENGTH, form_fields

SLOTS = tuple(range(1, MAX_ATTACHMENTS + 1))
FILES = tuple(f"file_{slot}" for slot in SLOTS)
# One video, or four images, and the text.
UPLOAD_CAP = VIDEO_SIZE_LIMIT + BODY_SLACK


@asynccontextmanager
async def compose_fields(request: Request, settings: Settings) -> AsyncIterator[UploadForm]:
    """The submitted compose form: its text fields and its files (on disk until the end)."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        yield UploadForm(fields=await form_fields(request))
        return
    async with read_upload(request, cap=UPLOAD_CAP, directory=processing.tmp_dir(settings),
                           files=FILES) as form:
        form.fields = {key: value for key, value in form.fields.items()
                       if len(value) <= MAX_FIELD_LENGTH}
        yield form


def has_files(form: UploadForm) -> bool:
    return any(upload.size > 0 for upload in form.files.values())


async def record_files(session: AsyncSession, settings: Settings, *, account_id: int,
                       form: UploadForm, stored: list[str]) -> tuple[int, ...]:
    """Process each chosen file (images now, video in a job) and record it with its
    description; returns their ids in slot order. `stored` collects the keys of the files
    written, for the caller to remove if the post is then refused."""
    ids: list[int] = []
    for slot, name in zip(SLOTS, FILES, strict=True):
        upload = form.files.get(name)
        if upload is None or upload.size == 0:
            continue
        details = Details(description=form.fields.get(f"alt_{slot}", "").strip())
        check_details(details)
        outcome = await processing.process_upload(settings, new_id(), upload.path,
                                                  upload.size, synchronous=False)
        stored.extend(outcome.stored_keys())
        media = await record_upload(session, account_id=account_id, outcome=outcome,
                                    details=details)
        ids.append(media.id)
    return tuple(ids)
