"""Reading submitted HTML forms: text fields, uploaded files, safe return addresses and a
browser's local date and time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import Request
from starlette.datastructures import UploadFile

from parley.errors import Invalid
from parley.lib.ids import parse_cursor
from parley.lib.numbers import ascii_int
from parley.lib.paging import Page as PageRequest

MAX_FIELD_LENGTH = 10_000
MAX_OFFSET = 24 * 60  # minutes: every time zone is within a day of UTC
PICK_A_TIME = "Pick a date and a time to post it."


async def form_fields(request: Request) -> dict[str, str]:
    """A submitted HTML form's text fields (files and oversized values are dropped)."""
    form = await request.form()
    return {key: value for key, value in form.items()
            if isinstance(value, str) and len(value) <= MAX_FIELD_LENGTH}


async def form_files(request: Request) -> dict[str, UploadFile]:
    """The files a multipart form carries (an empty file input is no file)."""
    form = await request.form()
    return {key: value for key, value in form.items()
            if isinstance(value, UploadFile) and value.filename}


def safe_next(raw: str | None, default: str = "/") -> str:
    """Only paths on this server: never an open redirect to another site."""
    if raw and raw.startswith("/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return default


def page_request(request: Request, *, limit: int = 20) -> PageRequest:
    """Paging from ?max_id= / ?min_id= (web pages use a fixed page size)."""
    query = request.query_params
    return PageRequest(max_id=parse_cursor(query.get("max_id")),
                       min_id=parse_cursor(query.get("min_id")), limit=limit)


def checked(fields: dict[str, str], name: str) -> bool:
    """An HTML checkbox: present (any value) when ticked."""
    return name in fields


def local_moment(local: str, offset_minutes: str) -> datetime:
    """A browser's `datetime-local` value as UTC: `offset_minutes` is the browser's
    getTimezoneOffset() (minutes behind UTC); without it the time is read as UTC."""
    try:
        moment = datetime.fromisoformat(local.strip())
        shifted = moment.replace(tzinfo=None) + timedelta(minutes=_offset(offset_minutes))
    except (ValueError, OverflowError):  # not a time, or past the calendar's ends
        raise Invalid(PICK_A_TIME) from None
    return shifted.replace(tzinfo=UTC)


def _offset(raw: str) -> int:
    """A browser's offset in minutes; anything a browser would not send (not a number,
    beyond a day) counts as none."""
    offset = ascii_int(raw.strip(), max_digits=4, signed=True)
    return offset if offset is not None and abs(offset) <= MAX_OFFSET else 0
