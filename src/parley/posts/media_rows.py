"""The attachments posts show, as plain rows for the read model: a post row carries them
(posts.media_shown, the document below, written whenever they change: posts/media.py), so a
page of posts with media reads no more statements than a page without. The edit history
reads attachments by id (MEDIA_BY_IDS)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import orjson

from parley.store.rawsql import Reader, Sql, json_of

# Only what rendering needs, meta last (parsed as the row is made).
MEDIA_COLUMNS = (
    "m.id, m.post_id, m.type, m.state, m.file_key, m.small_key, m.thumbnail_key, "
    "m.blurhash, m.description, m.focus_x, m.focus_y, m.remote_url, m.meta")
MEDIA_BY_IDS = Sql(f"SELECT {MEDIA_COLUMNS} FROM media_attachments m WHERE m.id IN_IDS(:ids)")
# The document's fields for each attachment: MEDIA_COLUMNS without post_id.
DOCUMENT_FIELDS = ("id", "type", "state", "file_key", "small_key", "thumbnail_key",
                   "blurhash", "description", "focus_x", "focus_y", "remote_url", "meta")


class MediaRow(NamedTuple):
    """An attachment as MEDIA_COLUMNS reads it (named as the ORM MediaAttachment is, so
    that one entity function renders both; a tuple: a page may hold eighty)."""

    id: int
    post_id: int | None
    type: str
    state: str
    file_key: str | None
    small_key: str | None
    thumbnail_key: str | None
    blurhash: str | None
    description: str | None
    focus_x: float | None
    focus_y: float | None
    remote_url: str | None
    meta: dict[str, Any]


def media_row(row: Sequence[Any]) -> MediaRow:
    """A raw row as a MediaRow, its meta parsed (SQLite and asyncpg hand JSON back as text)."""
    return MediaRow._make((*row[:-1], json_of(row[-1]) or {}))


def media_document(media: Sequence[Any]) -> list[list[Any]] | None:
    """What posts.media_shown holds for these attachments (ORM rows or MediaRows, in the
    order shown); None for none."""
    return [[getattr(m, name) for name in DOCUMENT_FIELDS] for m in media] or None


def document_text(document: Any) -> str | None:
    """posts.media_shown as text, however it was read (raw paths hand JSON back as text,
    the ORM as a list): the form the API's rendered attachments are kept by."""
    if document is None or isinstance(document, str):
        return document
    return orjson.dumps(document).decode()


def shown_media(post_id: int, document: Any) -> list[MediaRow]:
    """A post's attachments from its posts.media_shown document (text or list)."""
    items = json_of(document) if isinstance(document, str) else document
    return [MediaRow._make([item[0], post_id, *item[1:-1], item[-1] or {}])
            for item in items or ()]


async def media_by_ids(reader: Reader, ids: Iterable[int]) -> dict[int, MediaRow]:
    """Attachments by id (an edit history shows ones a later version removed)."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {media.id: media for media in
            (media_row(row) for row in await reader.fetch(MEDIA_BY_IDS, {"ids": wanted}))}
