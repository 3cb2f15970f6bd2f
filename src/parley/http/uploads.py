"""Multipart uploads with a byte cap: a body longer than the cap is refused (413) from its
Content-Length before a byte is read, or as soon as the cap is passed when the length is not
given, so a 200 MB upload never fills memory or disk. Files are spooled to temporary files
on disk for the pipelines that read them by path."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.types import Message, Receive

from parley.errors import Invalid, TooLarge

TOO_LARGE = "The upload is larger than the server accepts"


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """An uploaded file, on disk."""

    path: Path
    size: int
    filename: str
    content_type: str


@dataclass
class UploadForm:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)


def _capped(receive: Receive, cap: int) -> Receive:
    seen = 0

    async def capped_receive() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > cap:
                raise TooLarge(TOO_LARGE)
        return message

    return capped_receive


def _declared_length(request: Request) -> int | None:
    raw = request.headers.get("content-length")
    # ASCII digits only: "³" is a digit to str.isdigit() and not to int().
    return int(raw) if raw is not None and raw.isascii() and raw.isdigit() else None


def _spool(upload: UploadFile, directory: Path) -> UploadedFile:
    with tempfile.NamedTemporaryFile(dir=directory, delete=False) as target:
        upload.file.seek(0)
        shutil.copyfileobj(upload.file, target, 1 << 20)
        size = target.tell()
    return UploadedFile(Path(target.name), size, upload.filename or "",
                        upload.content_type or "")


def capped_request(request: Request, cap: int) -> Request:
    """The request, refusing (413) a body over `cap` bytes: declared, or as it arrives."""
    declared = _declared_length(request)
    if declared is not None and declared > cap:
        raise TooLarge(TOO_LARGE)
    return Request(request.scope, _capped(request.receive, cap))


@asynccontextmanager
async def read_upload(request: Request, *, cap: int, directory: Path,
                      files: tuple[str, ...]) -> AsyncIterator[UploadForm]:
    """The multipart form of `request`, its `files` on disk (removed afterwards)."""
    capped = capped_request(request, cap)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Invalid("Validation failed: File can't be blank")
    result = UploadForm()
    form = await capped.form(max_files=len(files), max_fields=50)
    try:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if key in files and key not in result.files:
                    result.files[key] = await asyncio.to_thread(_spool, value, directory)
            elif key not in result.fields:
                result.fields[key] = value
        yield result
    finally:
        await form.close()
        for uploaded in result.files.values():
            uploaded.path.unlink(missing_ok=True)
