"""The attachments posts show, as plain rows for the read model (posts/rows.py RowBatch): one
statement for a whole page, run only for the posts whose media_count says they have some."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from parley.store.rawsql import Reader, Sql, json_of

# What a post shows now: attachments with a position >= 0 (posts/media.py keeps the ones an
# edit removed at a negative position, for the post's history).
SHOWN = "m.position >= 0"
# Only what rendering needs, meta last (parsed as the row is made).
MEDIA_COLUMNS = (
    "m.id, m.post_id, m.type, m.state, m.file_key, m.small_key, m.thumbnail_key, "
    "m.blurhash, m.description, m.focus_x, m.focus_y, m.remote_url, m.meta")
MEDIA_OF_POSTS = Sql(f"SELECT {MEDIA_COLUMNS} FROM media_attachments m "
                     f"WHERE m.post_id IN_IDS(:ids) AND {SHOWN} ORDER BY m.post_id, m.position")
MEDIA_BY_IDS = Sql(f"SELECT {MEDIA_COLUMNS} FROM media_attachments m WHERE m.id IN_IDS(:ids)")


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


async def load_media(reader: Reader, post_ids: Iterable[int]) -> dict[int, list[MediaRow]]:
    """The attachments each of `post_ids` shows, in order, in one statement."""
    found: dict[int, list[MediaRow]] = defaultdict(list)
    ids = list(post_ids)
    if ids:
        for row in await reader.fetch(MEDIA_OF_POSTS, {"ids": ids}):
            media = media_row(row)
            found[media.post_id or 0].append(media)
    return found


async def media_by_ids(reader: Reader, ids: Iterable[int]) -> dict[int, MediaRow]:
    """Attachments by id (an edit history shows ones a later version removed)."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {media.id: media for media in
            (media_row(row) for row in await reader.fetch(MEDIA_BY_IDS, {"ids": wanted}))}
