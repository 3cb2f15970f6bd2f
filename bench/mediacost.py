"""The home page with media (`media` scenario): home20 for viewers whose first page is all
posts with four image attachments, and the same pages with one post in four carrying them,
against the same pages text-only, on one server and one database, measured interleaved
(bench/homecost.py). Attachments are rows only (rendering a page reads no file).
"Text-only" sets the pages' posts.media_count back to 0 and posts.media_shown (the
attachments a post row carries) to NULL: the same rows, no media_attachments in the statuses.
The rows are removed afterwards."""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.homecost import interleaved
from bench.load import Destination
from bench.ops import Workload
from bench.procs import Server
from bench.rows import token_for
from bench.scenarios import BackendCpu, cpu_per_op
from parley.posts.media_rows import DOCUMENT_FIELDS

Say = Callable[[str], None]
MEDIA_PER_POST = 4
VIEWERS = 50
# Benchmark attachments take ids from here up (real ids are millisecond snowflakes, far
# below), so that they are found and removed whatever else the database holds.
FIRST_ID = 1 << 62
_COLUMNS = ("id", "account_id", "post_id", "position", "type", "state", "file_key",
            "small_key", "thumbnail_key", "upload_key", "file_size", "content_type", "meta",
            "blurhash", "description", "focus_x", "focus_y", "remote_url", "created_at")
_META = json.dumps({"original": {"width": 1920, "height": 1080, "size": "1920x1080",
                                 "aspect": 1.7777777777777777},
                    "small": {"width": 640, "height": 360, "size": "640x360",
                              "aspect": 1.7777777777777777}})
_BLURHASH = "LEHV6nWB2yk8pyo0adR*.7kCMdnj"
TEXT = "media: home20 text-only"
ALL = "media: home20 four images on every post"
QUARTER = "media: home20 four images on one post in four"
_TEXT_ONLY = "media_count = 0, media_shown = NULL"


class _Database:
    """The benchmark database, for the few writes this scenario makes."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = url.startswith("sqlite")

    async def execute(self, sql: str, rows: Sequence[Sequence[Any]] = ((),)) -> None:
        if self.sqlite:
            await asyncio.to_thread(self._sqlite, sql, rows)
            return
        import asyncpg

        conn = await asyncpg.connect(self.url)
        try:
            numbered = sql
            for n in range(1, len(rows[0]) + 1):
                numbered = numbered.replace("?", f"${n}", 1)
            await conn.executemany(numbered, rows) if rows[0] else await conn.execute(sql)
        finally:
            await conn.close()

    def _sqlite(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        conn = sqlite3.connect(self.url.split("///", 1)[1], timeout=60)
        try:
            conn.executemany(sql, rows) if rows[0] else conn.execute(sql)
            conn.commit()
        finally:
            conn.close()

    def stamp(self) -> Any:
        now = datetime.now(UTC)
        return now.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else now


async def page_posts(server: Server, viewers: Sequence[int]) -> dict[int, int]:
    """Post id -> author of every post the viewers' first home pages show (reposted
    originals and quoted posts included): what the server itself answers."""
    found: dict[int, int] = {}
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        for viewer in viewers:
            response = await client.get("/api/v1/timelines/home?limit=20",
                                        headers={"Authorization": f"Bearer {token_for(viewer)}"})
            response.raise_for_status()
            for status in response.json():
                for shown in (status, status.get("reblog")):
                    if not shown:
                        continue
                    if not shown.get("reblog"):
                        found[int(shown["id"])] = int(shown["account"]["id"])
                    quoted = (shown.get("quote") or {}).get("quoted_status")
                    if quoted:
                        found[int(quoted["id"])] = int(quoted["account"]["id"])
    return found


def media_rows(posts: dict[int, int], stamp: Any) -> list[tuple[Any, ...]]:
    rows = []
    for index, (post_id, author) in enumerate(sorted(posts.items())):
        for position in range(MEDIA_PER_POST):
            media_id = FIRST_ID + index * MEDIA_PER_POST + position
            rows.append((media_id, author, post_id, position, "image", "done",
                         f"bench/{media_id}/original.jpg", f"bench/{media_id}/small.jpg", None,
                         None, 250_000, "image/jpeg", _META, _BLURHASH,
                         "A benchmark photo: a grey sky over a field", None, None, None, stamp))
    return rows


def documents(rows: Sequence[Sequence[Any]]) -> dict[int, str]:
    """Each post's posts.media_shown for these media_attachments rows (what Parley writes
    when a post takes its attachments)."""
    by_post: dict[int, list[list[Any]]] = defaultdict(list)
    for row in rows:
        named = dict(zip(_COLUMNS, row, strict=True))
        named["meta"] = json.loads(named["meta"])
        by_post[named["post_id"]].append([named[name] for name in DOCUMENT_FIELDS])
    return {post_id: json.dumps(items) for post_id, items in by_post.items()}


async def media_scenario(parley: Server, workload: Workload, dest: Destination, opts: Any,
                         scratch: Path, say: Say) -> dict[str, Any]:
    """home20 CPU per request with every post of the pages carrying four images, and the
    same pages text-only."""
    db = _Database(dest.url)
    viewers = random.Random(11).sample(workload.regular_active,
                                       min(VIEWERS, len(workload.regular_active)))
    posts = await page_posts(parley, viewers)
    ids = ",".join(str(post_id) for post_id in posts)
    say(f"media: {len(posts)} posts on {len(viewers)} home pages get {MEDIA_PER_POST} images")
    await db.execute(f"DELETE FROM media_attachments WHERE id >= {FIRST_ID}")
    rows = media_rows(posts, db.stamp())
    await db.execute(f"INSERT INTO media_attachments ({', '.join(_COLUMNS)}) VALUES "
                     f"({', '.join('?' for _ in _COLUMNS)})", rows)
    shown_of = documents(rows)
    backend = BackendCpu(dest.url)
    calls = [workload.call("home20", viewer) for viewer in viewers] * 40

    def measure(shown: Sequence[int]) -> Callable[[float, float], Awaitable[dict[str, Any]]]:
        """`shown`: the posts (of the pages') that show their media in this row."""
        async def run(seconds: float, warmup: float) -> dict[str, Any]:
            await db.execute(f"UPDATE posts SET {_TEXT_ONLY} WHERE id IN ({ids})")
            if shown:
                await db.execute("UPDATE posts SET media_count = ?, media_shown = ? "
                                 "WHERE id = ?", [(MEDIA_PER_POST, shown_of[post_id], post_id)
                                                  for post_id in shown])
            return await cpu_per_op(parley, calls, backend, seconds=seconds,
                                    connections=opts.connections, scratch=scratch,
                                    warmup=max(warmup, 1.0))
        return run

    try:
        measured = await interleaved({
            TEXT: measure(()), ALL: measure(sorted(posts)),
            QUARTER: measure(sorted(posts)[::4])},
            opts.seconds, say)
    finally:
        await db.execute(f"UPDATE posts SET {_TEXT_ONLY} WHERE id IN ({ids})")
        await db.execute(f"DELETE FROM media_attachments WHERE id >= {FIRST_ID}")
    text, media, some = measured[TEXT], measured[ALL], measured[QUARTER]
    return {"viewers": len(viewers), "posts_with_media": len(posts),
            "media_per_post": MEDIA_PER_POST, "home20_text": text, "home20_media": media,
            "home20_quarter_media": some,
            "cpu_ratio": media["cpu_us_per_op"] / max(1.0, text["cpu_us_per_op"]),
            "cpu_ratio_quarter": some["cpu_us_per_op"] / max(1.0, text["cpu_us_per_op"])}
