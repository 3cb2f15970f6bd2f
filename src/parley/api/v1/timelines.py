"""Mastodon API: home, public, hashtag and link timelines, bookmarks and favourites."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, field_validator

from parley.api.entities.filters import drop_hidden
from parley.api.entities.statuses import render_rows, render_statuses
from parley.api.pagination import PAGED, Page, PageQuery, link_header
from parley.api.params import parse
from parley.config import Settings
from parley.discovery import trends
from parley.errors import NotFound, ParleyError
from parley.http.auth import Viewer, user_optional, user_required
from parley.http.deps import AppSettings, DbSession
from parley.http.openapi import query
from parley.http.responses import FastJSON, json_response
from parley.store.rawsql import Reader
from parley.timelines import service as timelines
from parley.timelines.home import home_rows
from parley.timelines.service import FeedFilter, TagFilter

router = APIRouter()


class FeedQuery(BaseModel):
    local: bool = False
    remote: bool = False
    only_media: bool = False

    def feed_filter(self) -> FeedFilter:
        return FeedFilter(local=self.local, remote=self.remote, only_media=self.only_media)


class TagQuery(FeedQuery):
    any: list[str] = []
    all: list[str] = []
    none: list[str] = []

    @field_validator("any", "all", "none", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        # `any=x` arrives as a string, `any[]=x&any[]=y` as a list.
        return [value] if isinstance(value, str) else value


async def home_page(request: Request, reader: Reader, viewer_id: int, settings: Settings
                    ) -> FastJSON:
    """The home page on the raw read path (a fast route: api/hot.py)."""
    page = Page.from_request(request)
    rows, batch = await home_rows(reader, viewer_id=viewer_id, page=page,
                                            home_cap=settings.home_cap,
                                            broadcasts=settings.broadcast_threshold > 0)
    entities = await render_rows(reader, rows, viewer_id=viewer_id, settings=settings,
                                 filter_context="home", batch=batch)
    return json_response(drop_hidden(entities),
                         link=link_header(request, [row.id for row in rows]))


@router.get("/api/v1/timelines/public", openapi_extra=query(FeedQuery, PageQuery))
async def public(request: Request, session: DbSession, settings: AppSettings,
                 viewer: Viewer | None = Depends(user_optional("read:statuses"))) -> FastJSON:
    query = await parse(request, FeedQuery)
    page = Page.from_request(request)
    viewer_id = viewer.id if viewer else None
    posts = await timelines.public_timeline(session, page=page, filters=query.feed_filter(),
                                            viewer_id=viewer_id)
    entities = await render_statuses(session, posts, viewer_id=viewer_id, settings=settings,
                                     filter_context="public")
    return json_response(drop_hidden(entities),
                         link=link_header(request, [post.id for post in posts]))


@router.get("/api/v1/timelines/tag/{hashtag}", openapi_extra=query(TagQuery, PageQuery))
async def tag(hashtag: str, request: Request, session: DbSession, settings: AppSettings,
              viewer: Viewer | None = Depends(user_optional("read:statuses"))) -> FastJSON:
    query = await parse(request, TagQuery)
    page = Page.from_request(request)
    posts = await timelines.tag_timeline(
        session, tag=hashtag, page=page, filters=query.feed_filter(),
        tags=TagFilter(any=query.any, all=query.all, none=query.none),
        viewer_id=viewer.id if viewer else None)
    entities = await render_statuses(session, posts, viewer_id=viewer.id if viewer else None,
                                     settings=settings, filter_context="public")
    return json_response(drop_hidden(entities),
                         link=link_header(request, [post.id for post in posts]))


class LinkQuery(FeedQuery):
    url: str = ""


@router.get("/api/v1/timelines/link", openapi_extra=query(LinkQuery, PageQuery))
async def link(request: Request, session: DbSession, settings: AppSettings,
               viewer: Viewer | None = Depends(user_optional("read:statuses"))) -> FastJSON:
    """Posts sharing a link that trends now (Mastodon 4.3); any other link is a 404."""
    query = await parse(request, LinkQuery)
    if not query.url.strip():
        raise ParleyError("param is missing or the value is empty: url")  # 400, as Mastodon
    card_id = await trends.trending_card(session, query.url.strip())
    if card_id is None:
        raise NotFound()
    viewer_id = viewer.id if viewer else None
    posts = await timelines.link_timeline(session, card_id=card_id,
                                          page=Page.from_request(request),
                                          filters=query.feed_filter(), viewer_id=viewer_id)
    entities = await render_statuses(session, posts, viewer_id=viewer_id, settings=settings,
                                     filter_context="public")
    return json_response(drop_hidden(entities),
                         link=link_header(request, [post.id for post in posts]))


@router.get("/api/v1/bookmarks", openapi_extra=PAGED)
async def bookmarks(request: Request, session: DbSession, settings: AppSettings,
                    viewer: Viewer = Depends(user_required("read:bookmarks"))) -> FastJSON:
    marked = await timelines.bookmarked_posts(session, viewer_id=viewer.id,
                                              page=Page.from_request(request))
    entities = await render_statuses(session, [post for _, post in marked],
                                     viewer_id=viewer.id, settings=settings)
    return json_response(entities, link=link_header(request, [mark for mark, _ in marked]))


@router.get("/api/v1/favourites", openapi_extra=PAGED)
async def favourites(request: Request, session: DbSession, settings: AppSettings,
                     viewer: Viewer = Depends(user_required("read:favourites"))) -> FastJSON:
    liked = await timelines.liked_posts(session, viewer_id=viewer.id,
                                        page=Page.from_request(request))
    entities = await render_statuses(session, [post for _, post in liked],
                                     viewer_id=viewer.id, settings=settings)
    return json_response(entities, link=link_header(request, [mark for mark, _ in liked]))
