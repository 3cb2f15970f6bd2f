"""Mastodon API: /api/v1/statuses — posting, reading, threads, reblogs, favourites, bookmarks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.api.entities.accounts import account_entity
from parley.api.entities.filters import drop_hidden
from parley.api.entities.statuses import render_rows, render_status, render_statuses
from parley.api.pagination import PAGED, Page, link_header
from parley.api.params import MANY_IDS, parse
from parley.api.v1.scheduled_statuses import scheduled_entities
from parley.config import Settings
from parley.errors import Unauthorized
from parley.http.auth import AccountViewer, Viewer, account_required, user_optional, user_required
from parley.http.deps import AppSettings, DbSession, path_id
from parley.http.openapi import body, date_time
from parley.http.ratelimit import POSTS, spend_action
from parley.http.refresh import HEADER, ThreadRefresher, header_value, refresh_viewed
from parley.http.remote import look_up_mentions
from parley.http.responses import FastJSON, json_response
from parley.lib import ids as lib_ids
from parley.polls.rules import poll_spec
from parley.posts import scheduled as scheduled_posts
from parley.posts import service as posts
from parley.posts.media import parse_media_ids
from parley.posts.models import Post
from parley.posts.rows import post_row_of
from parley.posts.threads import thread_context_rows
from parley.store.database import Database
from parley.store.rawsql import Reader, Sql

router = APIRouter()
MAX_MULTIPLE = 20
AnyId = str | int | None


def _optional_id(raw: AnyId) -> int | None:
    """An id sent in a body (string or number); empty means none, garbage is not found."""
    if raw is None or raw == "":
        return None
    return path_id(str(raw))


class StatusForm(BaseModel):
    status: str = Field(default="", max_length=100_000)
    in_reply_to_id: AnyId = None
    quoted_status_id: AnyId = None
    quote_approval_policy: str | None = None
    media_ids: list[str | int] = Field(default_factory=list)
    sensitive: bool | None = None
    spoiler_text: str = Field(default="", max_length=100_000)
    visibility: str | None = None
    language: str | None = Field(default=None, max_length=16)
    scheduled_at: str | None = Field(default=None, json_schema_extra=date_time)
    poll: dict[str, Any] | None = None

    @field_validator("media_ids", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        return [value] if isinstance(value, str | int) else value

    @field_validator("status", "spoiler_text", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return "" if value is None else value

    @field_validator("visibility", "language", "quote_approval_policy", mode="before")
    @classmethod
    def _none_if_empty(cls, value: object) -> object:
        return None if value == "" else value


def _draft(form: StatusForm, application_id: int | None, key: str | None, settings: Settings
           ) -> posts.Draft:
    return posts.Draft(
        text=form.status, spoiler_text=form.spoiler_text, visibility=form.visibility,
        sensitive=form.sensitive, language=form.language,
        in_reply_to_id=_optional_id(form.in_reply_to_id),
        quote_of_id=_optional_id(form.quoted_status_id),
        quote_policy=form.quote_approval_policy,
        application_id=application_id,
        idempotency_key=key.strip()[:1000] if key and key.strip() else None,
        poll=poll_spec(form.poll, max_options=settings.poll_max_options),
        media_ids=parse_media_ids(form.media_ids))


# The author's posting defaults (compose's Author), read on the raw path before the write.
_AUTHOR = Sql("SELECT id, username, default_privacy, default_language, default_sensitive, "
              "default_quote_policy FROM accounts WHERE id = :id")


@dataclass(frozen=True, slots=True)
class AuthorRow:
    id: int
    username: str
    default_privacy: str
    default_language: str | None
    default_sensitive: bool
    default_quote_policy: str


async def author_of(reader: Reader, viewer: Viewer | None) -> AuthorRow:
    """The poster's defaults, read with the token (api/hot.py: the route's `load`)."""
    rows = await reader.fetch(_AUTHOR, {"id": viewer.id if viewer else 0})
    if not rows:
        raise Unauthorized()
    return AuthorRow(*rows[0])


async def create_status_page(request: Request, viewer: Viewer, author: AuthorRow,
                             db: Database, settings: Settings) -> FastJSON:
    """POST /api/v1/statuses on the raw path (a fast route: api/hot.py): token and author
    in raw reads (author_of), the body parsed and validated, then one write transaction,
    committed before the answer is rendered on the raw read path, so that the one SQLite
    writer is held only for the post's own statements."""
    form = await parse(request, StatusForm)  # outside the read: the body may be slow
    draft = _draft(form, viewer.application_id, request.headers.get("idempotency-key"),
                   settings)
    when = scheduled_posts.parse_scheduled_at(form.scheduled_at) if form.scheduled_at else None
    await look_up_mentions(request, draft.text, settings.domain)  # before the write begins
    if when is not None and not scheduled_posts.is_past(when):
        async with db.write() as session:
            scheduled = await scheduled_posts.schedule(session, settings=settings,
                                                       author=author, draft=draft, when=when)
            return json_response((await scheduled_entities(session, [scheduled],
                                                           settings))[0])
    async with db.write() as session:
        post = await posts.create_post(session, settings=settings, author=author, draft=draft)
        await spend_action(request, POSTS, viewer.id)
        row = post_row_of(post)
    async with db.fast() as reader:
        if not reader.shared:
            return json_response((await render_rows(reader, [row], viewer_id=viewer.id,
                                                    settings=settings))[0])
    # Another request's snapshot is open on the shared connection (older than this commit).
    async with db.read() as session:
        return json_response(await render_status(session, post, viewer_id=viewer.id,
                                                 settings=settings))


async def _render_committed(request: Request, session: AsyncSession, post: Post,
                            viewer: Viewer, settings: Settings) -> FastJSON:
    """Commit the write, then render the answer on a read session: on SQLite the one writer
    connection is not held (every other write waiting) while the status's reads run. The
    events the write recorded are still published when the request's session closes."""
    await session.commit()
    db: Database = request.app.state.db
    async with db.read() as reader:
        return json_response(await render_status(reader, post, viewer_id=viewer.id,
                                                 settings=settings))


@router.get("/api/v1/statuses", openapi_extra=MANY_IDS)
async def get_statuses(request: Request, session: DbSession, settings: AppSettings,
                       viewer: Viewer | None = Depends(user_optional("read:statuses"))
                       ) -> FastJSON:
    """Several statuses by `id[]`; unknown and hidden ones are left out, as in Mastodon."""
    raw = request.query_params.getlist("id[]") + request.query_params.getlist("id")
    ids = [i for i in map(lib_ids.parse_id, raw) if i is not None]
    viewer_id = viewer.id if viewer else None
    found = await posts.get_posts(session, ids[:MAX_MULTIPLE], viewer_id=viewer_id)
    return json_response(await render_statuses(session, found, viewer_id=viewer_id,
                                                settings=settings))


@router.get("/api/v1/statuses/{status_id}")
async def get_status(status_id: str, session: DbSession, settings: AppSettings,
                     viewer: Viewer | None = Depends(user_optional("read:statuses"))
                     ) -> FastJSON:
    viewer_id = viewer.id if viewer else None
    post = await posts.get_post(session, path_id(status_id), viewer_id=viewer_id)
    return json_response(await render_status(session, post, viewer_id=viewer_id,
                                             settings=settings))


@router.delete("/api/v1/statuses/{status_id}")
async def delete_status(status_id: str, session: DbSession, settings: AppSettings,
                        viewer: Viewer = Depends(user_required("write:statuses"))) -> FastJSON:
    # Rendered before deleting, with the typed source, so that clients can redraft it.
    post = await posts.get_post(session, path_id(status_id), viewer_id=viewer.id)
    entity = await render_status(session, post, viewer_id=viewer.id, settings=settings,
                                 with_source=True)
    await posts.delete_post(session, actor_id=viewer.id, post_id=post.id)
    return json_response(entity)


async def context_page(status_id: str, reader: Reader, viewer_id: int | None,
                       settings: Settings, refresher: ThreadRefresher) -> FastJSON:
    """A thread's context on the raw read path (a fast route: api/hot.py). A signed-in
    viewer of a remote thread starts its refresh (as in Mastodon), named in a header."""
    context = await thread_context_rows(reader, post_id=path_id(status_id),
                                        viewer_id=viewer_id)
    rendered = await render_rows(reader, [*context.ancestors, *context.descendants],
                                 viewer_id=viewer_id, settings=settings,
                                 filter_context="thread", batch=context.batch)
    split = len(context.ancestors)
    response = json_response({"ancestors": drop_hidden(rendered[:split]),
                              "descendants": drop_hidden(rendered[split:])})
    refresh = await refresh_viewed(refresher, context, viewer_id)
    if refresh is not None:
        response.headers[HEADER] = header_value(refresh)
    return response


@router.get("/api/v1/statuses/{status_id}/source")
async def get_source(status_id: str, session: DbSession,
                     viewer: Viewer = Depends(user_required("read:statuses"))) -> FastJSON:
    post = await posts.get_post(session, path_id(status_id), viewer_id=viewer.id)
    return json_response({"id": str(post.id), "text": post.text,
                          "spoiler_text": post.spoiler_text})


class ReblogForm(BaseModel):
    visibility: str | None = None


@router.post("/api/v1/statuses/{status_id}/reblog", openapi_extra=body(ReblogForm))
async def reblog(status_id: str, request: Request, session: DbSession, settings: AppSettings,
                 viewer: AccountViewer = Depends(account_required("write:statuses"))) -> FastJSON:
    form = await parse(request, ReblogForm)
    repost = await posts.repost(session, settings=settings, actor=viewer.account,
                                post_id=path_id(status_id), visibility=form.visibility or None,
                                application_id=viewer.application_id)
    await spend_action(request, POSTS, viewer.id)
    return await _render_committed(request, session, repost, viewer, settings)


@router.post("/api/v1/statuses/{status_id}/unreblog")
async def unreblog(status_id: str, session: DbSession, settings: AppSettings,
                   viewer: AccountViewer = Depends(account_required("write:statuses"))) -> FastJSON:
    post = await posts.unrepost(session, actor=viewer.account, post_id=path_id(status_id))
    return json_response(await render_status(session, post, viewer_id=viewer.id,
                                             settings=settings))


def _toggle(path: str, scope: str, action: Any) -> None:
    """favourite / unfavourite / bookmark / unbookmark: same shape, different verb."""

    @router.post(f"/api/v1/statuses/{{status_id}}/{path}", name=path)
    async def endpoint(status_id: str, request: Request, session: DbSession,
                       settings: AppSettings,
                       viewer: Viewer = Depends(user_required(scope))) -> FastJSON:
        post = await action(session, actor_id=viewer.id, post_id=path_id(status_id))
        return await _render_committed(request, session, post, viewer, settings)


_toggle("favourite", "write:favourites", posts.like)
_toggle("unfavourite", "write:favourites", posts.unlike)
_toggle("bookmark", "write:bookmarks", posts.bookmark)
_toggle("unbookmark", "write:bookmarks", posts.unbookmark)


def _accounts_page(request: Request, rows: list[tuple[int, Account]], settings: AppSettings
                   ) -> FastJSON:
    return json_response([account_entity(account, settings) for _cursor, account in rows],
                         link=link_header(request, [cursor for cursor, _account in rows]))


@router.get("/api/v1/statuses/{status_id}/reblogged_by", openapi_extra=PAGED)
async def reblogged_by(status_id: str, request: Request, session: DbSession,
                       settings: AppSettings,
                       viewer: Viewer | None = Depends(user_optional("read:accounts"))
                       ) -> FastJSON:
    rows = await posts.reposted_by(session, post_id=path_id(status_id),
                                   viewer_id=viewer.id if viewer else None,
                                   page=Page.from_request(request))
    return _accounts_page(request, rows, settings)


@router.get("/api/v1/statuses/{status_id}/favourited_by", openapi_extra=PAGED)
async def favourited_by(status_id: str, request: Request, session: DbSession,
                        settings: AppSettings,
                        viewer: Viewer | None = Depends(user_optional("read:accounts"))
                        ) -> FastJSON:
    rows = await posts.liked_by(session, post_id=path_id(status_id),
                                viewer_id=viewer.id if viewer else None,
                                page=Page.from_request(request))
    return _accounts_page(request, rows, settings)
