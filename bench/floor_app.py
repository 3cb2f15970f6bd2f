"""The floor: the thinnest server that returns the same home page as Parley, from the same data.

Starlette + the bare driver (sqlite3, or asyncpg for PostgreSQL) + orjson, four queries
(token, the page joined with its authors, mentions, the viewer's likes/bookmarks/reposts) and
the same Mastodon Status/Account keys. No ORM, no validation, no visibility re-check: what is
left is the physical cost of the page on this machine, to compare Parley with.

`python -m bench.floor_app --db URL --port 3101`
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
from datetime import datetime
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

PAGE_SQL = """
SELECT p.id, p.uri, p.url, p.created_at, p.edited_at, p.content, p.visibility, p.sensitive,
       p.spoiler_text, p.language, p.in_reply_to_id, p.in_reply_to_account_id, p.replies_count,
       p.reposts_count, p.likes_count, p.quotes_count,
       a.id, a.username, a.display_name, a.locked, a.bot, a.discoverable, a.indexable,
       a.created_at, a.note, a.url, a.uri, a.avatar_url, a.header_url, a.followers_count,
       a.following_count, a.posts_count, a.last_post_at, ap.name, ap.website,
       a.hide_collections, a.avatar_description, a.header_description
FROM timeline_entries t JOIN posts p ON p.id = t.post_id JOIN accounts a ON a.id = p.account_id
LEFT JOIN oauth_applications ap ON ap.id = p.application_id
WHERE t.owner_id = {owner} AND t.post_id < {max_id} ORDER BY t.post_id DESC LIMIT {limit}
"""
TOKEN_SQL = ("SELECT account_id FROM oauth_access_tokens WHERE token_hash = {p} "
             "AND revoked_at IS NULL")
MENTIONS_SQL = ("SELECT m.post_id, a.id, a.username, a.url FROM mentions m "
                "JOIN accounts a ON a.id = m.account_id WHERE m.post_id IN ({ids})")
STATE_SQL = ("SELECT post_id, 'f' FROM likes WHERE account_id = {v} AND post_id IN ({ids}) "
             "UNION ALL SELECT post_id, 'b' FROM bookmarks WHERE account_id = {v} "
             "AND post_id IN ({ids}) UNION ALL SELECT repost_of_id, 'r' FROM posts "
             "WHERE account_id = {v} AND repost_of_id IN ({ids})")
MAX_ID = (1 << 63) - 1
UNAUTHORIZED = Response(b'{"error":"The access token is invalid"}', 401,
                        media_type="application/json")


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return f"{value[:10]}T{value[11:23]}Z"  # SQLite's text "YYYY-MM-DD HH:MM:SS.ffffff"


def _account(row: Any, base: str) -> dict[str, Any]:
    avatar = row[27] or f"{base}/static/avatar.png"
    header = row[28] or f"{base}/static/header.png"
    last = _iso(row[32])
    return {
        "id": str(row[16]), "username": row[17], "acct": row[17], "display_name": row[18],
        "locked": bool(row[19]), "bot": bool(row[20]), "discoverable": bool(row[21]),
        "indexable": bool(row[22]), "group": False,
        "created_at": (_iso(row[23]) or "")[:10] + "T00:00:00.000Z", "note": row[24],
        "url": row[25], "uri": row[26], "avatar": avatar, "avatar_static": avatar,
        "avatar_description": row[36], "header": header, "header_static": header,
        "header_description": row[37], "followers_count": row[29],
        "following_count": row[30], "statuses_count": row[31],
        "last_status_at": last[:10] if last else None, "hide_collections": bool(row[35]),
        "noindex": not row[22], "emojis": [], "roles": [], "fields": [],
    }


def _status(row: Any, account: dict[str, Any], mentions: list[dict[str, Any]],
            state: set[tuple[int, str]], viewer: int) -> dict[str, Any]:
    post_id = row[0]
    public = row[6] in ("public", "unlisted")
    return {
        "id": str(post_id), "uri": row[1], "url": row[2], "created_at": _iso(row[3]),
        "edited_at": _iso(row[4]), "account": account, "content": row[5], "text": None,
        "visibility": row[6], "sensitive": bool(row[7]), "spoiler_text": row[8],
        "language": row[9], "in_reply_to_id": str(row[10]) if row[10] else None,
        "in_reply_to_account_id": str(row[11]) if row[11] else None, "reblog": None,
        "quote": None,
        "quote_approval": {"automatic": ["public"] if public else [], "manual": [],
                           "current_user": "automatic" if public or row[16] == viewer
                                           else "denied"},
        "application": None if row[33] is None else {"name": row[33],
                                                      "website": row[34] or None},
        "mentions": mentions, "tags": [], "emojis": [],
        "media_attachments": [], "poll": None, "card": None, "replies_count": row[12],
        "reblogs_count": row[13], "favourites_count": row[14], "quotes_count": row[15],
        "favourited": (post_id, "f") in state, "reblogged": (post_id, "r") in state,
        "bookmarked": (post_id, "b") in state, "muted": False, "pinned": False, "filtered": [],
    }


def _render(rows: list[Any], mention_rows: list[Any], state_rows: list[Any], viewer: int,
            base: str, path: str) -> Response:
    mentions: dict[int, list[dict[str, Any]]] = {}
    for post_id, account_id, username, url in mention_rows:
        mentions.setdefault(post_id, []).append(
            {"id": str(account_id), "username": username, "url": url, "acct": username})
    state = {(row[0], row[1]) for row in state_rows}
    accounts: dict[int, dict[str, Any]] = {}
    body = []
    for row in rows:
        account = accounts.get(row[16])
        if account is None:
            account = accounts[row[16]] = _account(row, base)
        body.append(_status(row, account, mentions.get(row[0], []), state, viewer))
    headers = {}
    if rows:
        headers["link"] = (f'<{base}{path}?max_id={rows[-1][0]}>; rel="next", '
                           f'<{base}{path}?min_id={rows[0][0]}>; rel="prev"')
    return Response(orjson.dumps(body), media_type="application/json", headers=headers)


def _page_args(request: Request) -> tuple[int, int]:
    limit = min(40, max(1, int(request.query_params.get("limit", 20))))
    return limit, int(request.query_params.get("max_id", MAX_ID))


def _token(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if not auth.startswith("Bearer "):
        return None
    return hashlib.sha256(auth[7:].encode()).hexdigest()


def sqlite_app(path: str, base: str) -> Starlette:
    conn = sqlite3.connect(path, check_same_thread=False)

    async def home(request: Request) -> Response:
        digest = _token(request)
        found = conn.execute(TOKEN_SQL.format(p="?"), (digest,)).fetchone() if digest else None
        if found is None:
            return UNAUTHORIZED
        viewer = found[0]
        limit, max_id = _page_args(request)
        rows = conn.execute(PAGE_SQL.format(owner=viewer, max_id=max_id, limit=limit)).fetchall()
        ids = ",".join(str(row[0]) for row in rows) or "0"
        mention_rows = conn.execute(MENTIONS_SQL.format(ids=ids)).fetchall()
        state_rows = conn.execute(STATE_SQL.format(v=viewer, ids=ids)).fetchall()
        return _render(rows, mention_rows, state_rows, viewer, base, request.url.path)

    return Starlette(routes=[Route("/api/v1/timelines/home", home)])


def postgres_app(dsn: str, base: str) -> Starlette:
    import asyncpg

    pool: Any = None

    async def home(request: Request) -> Response:
        nonlocal pool
        if pool is None:
            pool = await asyncpg.create_pool(dsn, min_size=2, max_size=10)
        digest = _token(request)
        async with pool.acquire() as conn:
            viewer = await conn.fetchval(TOKEN_SQL.format(p="$1"), digest) if digest else None
            if viewer is None:
                return UNAUTHORIZED
            limit, max_id = _page_args(request)
            rows = await conn.fetch(PAGE_SQL.format(owner=viewer, max_id=max_id, limit=limit))
            ids = ",".join(str(row[0]) for row in rows) or "0"
            mention_rows = await conn.fetch(MENTIONS_SQL.format(ids=ids))
            state_rows = await conn.fetch(STATE_SQL.format(v=viewer, ids=ids))
        return _render(rows, mention_rows, state_rows, viewer, base, request.url.path)

    return Starlette(routes=[Route("/api/v1/timelines/home", home)])


def main() -> None:
    parser = argparse.ArgumentParser(description="The floor app: Parley's home page, bare.")
    parser.add_argument("--db", required=True, help="sqlite:///path or postgresql://...")
    parser.add_argument("--port", type=int, default=3101)
    parser.add_argument("--base-url", default="http://127.0.0.1:3100")
    args = parser.parse_args()

    import uvicorn

    if args.db.startswith("sqlite"):
        app = sqlite_app(args.db.split("///", 1)[1], args.base_url)
    else:
        app = postgres_app(args.db, args.base_url)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False,
                loop="uvloop", http="httptools")


if __name__ == "__main__":
    main()
