"""Mastodon API: follow suggestions, the directory, trends and preferences."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from parley.api.entities.accounts import account_entity
from parley.api.entities.cards import trends_link_entity
from parley.api.entities.filters import drop_hidden
from parley.api.entities.statuses import render_statuses
from parley.api.entities.tags import tag_entity
from parley.api.params import parse
from parley.discovery import suggestions, trends
from parley.http.auth import AccountViewer, Viewer, account_required, user_optional, user_required
from parley.http.deps import AppSettings, DbSession, path_id
from parley.http.openapi import query
from parley.http.responses import FastJSON, json_response
from parley.media.storage import storage_for
from parley.tags.service import describe_tags

router = APIRouter()


class SuggestionsQuery(BaseModel):
    # Mastodon clamps oversized limits rather than refusing them.
    limit: int = Field(default=40, ge=1, le=10_000)


@router.get("/api/v2/suggestions", openapi_extra=query(SuggestionsQuery))
async def suggestions_v2(request: Request, session: DbSession, settings: AppSettings,
                         viewer: Viewer = Depends(user_required("read:accounts"))
                         ) -> FastJSON:
    query = await parse(request, SuggestionsQuery)
    found = await suggestions.suggest_accounts(session, viewer_id=viewer.id,
                                               limit=min(query.limit, 80))
    return json_response([
        {"source": "past_interactions" if "friends_of_friends" in item.sources else "global",
         "sources": item.sources, "account": account_entity(item.account, settings)}
        for item in found])


@router.get("/api/v1/suggestions", openapi_extra=query(SuggestionsQuery))
async def suggestions_v1(request: Request, session: DbSession, settings: AppSettings,
                         viewer: Viewer = Depends(user_required("read:accounts"))
                         ) -> FastJSON:
    query = await parse(request, SuggestionsQuery)
    found = await suggestions.suggest_accounts(session, viewer_id=viewer.id,
                                               limit=min(query.limit, 80))
    return json_response([account_entity(item.account, settings) for item in found])


@router.delete("/api/v1/suggestions/{account_id}")
async def dismiss_suggestion(account_id: str, session: DbSession,
                             viewer: Viewer = Depends(user_required("read:accounts"))
                             ) -> FastJSON:
    await suggestions.dismiss_suggestion(session, viewer_id=viewer.id,
                                         account_id=path_id(account_id))
    return json_response({})


class DirectoryQuery(BaseModel):
    limit: int = Field(default=40, ge=1, le=10_000)
    offset: int = Field(default=0, ge=0, le=100_000)
    order: Literal["active", "new"] = "active"
    local: bool = False


@router.get("/api/v1/directory", openapi_extra=query(DirectoryQuery))
async def directory(request: Request, session: DbSession, settings: AppSettings) -> FastJSON:
    query = await parse(request, DirectoryQuery)
    found = await suggestions.directory(session, order=query.order, local=query.local,
                                        offset=query.offset, limit=min(query.limit, 80))
    return json_response([account_entity(account, settings) for account in found])


class TrendsQuery(BaseModel):
    limit: int = Field(default=10, ge=1, le=10_000)
    offset: int = Field(default=0, ge=0, le=10_000)


async def _trending_tags(request: Request, session: DbSession, settings: AppSettings,
                         viewer: Viewer | None, maximum: int) -> FastJSON:
    query = await parse(request, TrendsQuery)
    found = await trends.trending_tags(session, offset=query.offset,
                                       limit=min(query.limit, maximum))
    views = await describe_tags(session, found, viewer_id=viewer.id if viewer else None)
    return json_response([tag_entity(view, settings, signed_in=viewer is not None)
                          for view in views])


@router.get("/api/v1/trends/tags", openapi_extra=query(TrendsQuery))
async def trending_tags(request: Request, session: DbSession, settings: AppSettings,
                        viewer: Viewer | None = Depends(user_optional("read:statuses"))
                        ) -> FastJSON:
    return await _trending_tags(request, session, settings, viewer, maximum=20)


@router.get("/api/v1/trends", openapi_extra=query(TrendsQuery))
async def trends_v1(request: Request, session: DbSession, settings: AppSettings,
                    viewer: Viewer | None = Depends(user_optional("read:statuses"))
                    ) -> FastJSON:
    """The pre-3.5 name of trending tags, still called by older apps."""
    return await _trending_tags(request, session, settings, viewer, maximum=20)


@router.get("/api/v1/trends/statuses", openapi_extra=query(TrendsQuery))
async def trending_statuses(request: Request, session: DbSession, settings: AppSettings,
                            viewer: Viewer | None = Depends(user_optional("read:statuses"))
                            ) -> FastJSON:
    query = await parse(request, TrendsQuery)
    viewer_id = viewer.id if viewer else None
    found = await trends.trending_posts(session, viewer_id=viewer_id, offset=query.offset,
                                        limit=min(query.limit, 40))
    entities = await render_statuses(session, found, viewer_id=viewer_id, settings=settings,
                                     filter_context="public")
    return json_response(drop_hidden(entities))


@router.get("/api/v1/trends/links", openapi_extra=query(TrendsQuery))
async def trending_links(request: Request, session: DbSession, settings: AppSettings
                         ) -> FastJSON:
    query = await parse(request, TrendsQuery)
    found = await trends.trending_links(session, offset=query.offset,
                                        limit=min(query.limit, 20))
    storage = storage_for(settings)
    return json_response([trends_link_entity(link.card, link.history, storage)
                          for link in found])


@router.get("/api/v1/preferences")
async def preferences(viewer: AccountViewer = Depends(account_required("read:accounts"))
                      ) -> FastJSON:
    account = viewer.account
    prefs: dict[str, Any] = {
        "posting:default:visibility": account.default_privacy or "public",
        "posting:default:sensitive": account.default_sensitive,
        "posting:default:language": account.default_language,
        "posting:default:quote_policy": account.default_quote_policy,
        "reading:expand:media": "default",
        "reading:expand:spoilers": False,
        "reading:autoplay:gifs": False,
    }
    return json_response(prefs)

