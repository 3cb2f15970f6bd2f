"""The MediaAttachment entity: the one renderer of an attachment, for the media endpoints and
for every post that carries one."""

from __future__ import annotations

import functools
from typing import Any, Protocol

import orjson

from parley.config import Settings
from parley.media.models import DONE
from parley.media.storage import Storage, storage_for
from parley.posts.media_rows import shown_media


class MediaFields(Protocol):
    """What rendering needs: the ORM row, or any row with these attributes (read-only)."""

    @property
    def id(self) -> int: ...

    @property
    def type(self) -> str: ...

    @property
    def state(self) -> str: ...

    @property
    def file_key(self) -> str | None: ...

    @property
    def small_key(self) -> str | None: ...

    @property
    def thumbnail_key(self) -> str | None: ...

    @property
    def meta(self) -> dict[str, Any] | None: ...

    @property
    def blurhash(self) -> str | None: ...

    @property
    def description(self) -> str | None: ...

    @property
    def focus_x(self) -> float | None: ...

    @property
    def focus_y(self) -> float | None: ...

    @property
    def remote_url(self) -> str | None: ...


def media_entity(media: MediaFields, settings: Settings, storage: Storage | None = None
                 ) -> dict[str, Any]:
    """Mastodon's MediaAttachment. `url` is null until processing is done (v2 uploads).
    `storage`: the settings' storage when the caller has it (a page renders dozens)."""
    return attachment_entity(media, storage or storage_for(settings))


@functools.lru_cache(maxsize=8192)
def shown_attachments(storage: Storage, document: str) -> orjson.Fragment:
    """A post's MediaAttachments, rendered from its posts.media_shown document and kept as
    JSON by that document's text: a page of posts with media renders none of them again
    while they are unchanged (a changed attachment is a new document), which keeps a home of
    four-image posts near the cost of a text-only one (docs/benchmarks.md)."""
    return orjson.Fragment(orjson.dumps(
        [attachment_entity(row, storage) for row in shown_media(0, document)]))


def attachment_entity(media: MediaFields, storage: Storage) -> dict[str, Any]:
    """media_entity with the storage at hand."""
    done = media.state == DONE
    preview = media.thumbnail_key or media.small_key
    meta: dict[str, Any] = dict(media.meta or {})
    if media.focus_x is not None and media.focus_y is not None:
        meta["focus"] = {"x": media.focus_x, "y": media.focus_y}
    return {
        "id": str(media.id),
        "type": media.type,
        "url": storage.url(media.file_key) if done and media.file_key else None,
        "preview_url": storage.url(preview) if preview else None,
        "remote_url": media.remote_url,
        "preview_remote_url": None,
        "text_url": None,
        "meta": meta,
        "description": media.description,
        "blurhash": media.blurhash,
    }
