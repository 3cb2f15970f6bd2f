"""A post's attachments as the web gallery shows them: where each file is, its size, its
description, and its blurhash placeholder (web/blurhash.py), from the read model's rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from parley.config import Settings
from parley.media.models import PROCESSING
from parley.media.storage import storage_for
from parley.posts.media_rows import MediaRow
from parley.store.rawsql import json_of
from parley.web.blurhash import placeholder_url

MOVING = ("video", "gifv", "audio")


@dataclass(frozen=True)
class MediaView:
    """One attachment in the gallery."""

    id: int
    type: str
    url: str | None  # the original, full size
    preview_url: str | None
    description: str
    width: int | None
    height: int | None
    placeholder: str | None
    # Another server's file not stored here (yet, or at all): linked to, never embedded (a
    # page must not make its readers' browsers ask other servers for files).
    remote_url: str | None = None
    processing: bool = False

    @property
    def moving(self) -> bool:
        return self.type in MOVING


def _size(meta: Any) -> tuple[int | None, int | None]:
    small = (json_of(meta) or {}).get("small") or {}
    width, height = small.get("width"), small.get("height")
    return (int(width), int(height)) if width and height else (None, None)


def stored_url(key: str, settings: Settings) -> str:
    """Where a stored file (an attachment's, a link card's image) is served from (a
    template global)."""
    return storage_for(settings).url(key)


def gallery(media: Sequence[MediaRow], settings: Settings) -> list[MediaView]:
    """Views of a post's attachments, in order (a template global: it needs the settings
    that say where files are served from)."""
    storage = storage_for(settings)

    def url(key: str | None) -> str | None:
        return storage.url(key) if key else None

    views = []
    for row in media:
        width, height = _size(row.meta)
        original = url(row.file_key)
        views.append(MediaView(
            id=row.id, type=row.type, url=original,
            preview_url=url(row.thumbnail_key) or url(row.small_key) or original,
            description=row.description or "", width=width, height=height,
            placeholder=placeholder_url(row.blurhash),
            remote_url=row.remote_url if original is None else None,
            processing=row.state == PROCESSING))
    return views
