"""Mastodon API: /api/v2/search (accounts, hashtags and statuses)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, field_validator

from parley.api.entities.accounts import account_entity
from parley.api.entities.statuses import render_statuses
from parley.api.entities.tags import tag_entity
from parley.api.params import parse
from parley.errors import NotFound, Unauthorized
from parley.http.auth import Viewer, user_optional
from parley.http.deps import AppSettings, DbSession, path_id
from parley.http.openapi import query
from parley.http.remote import resolved
from parley.http.responses import FastJSON, json_response
from parley.lib.ids import parse_cursor
from parley.search.service import SEARCH_TYPES, SearchRequest, search
from parley.tags.service import describe_tags

router = APIRouter()
MAX_QUERY = 500


def _cursor(raw: str | None) -> int | None:
    """A paging cursor; anything that is not an id is ignored, as in timelines."""
    return parse_cursor(raw)


class SearchQuery(BaseModel):
    q: str = Field(min_length=1, max_length=MAX_QUERY)
    type: str | None = None
    limit: int = Field(default=20, ge=1, le=40)
    offset: int = Field(default=0, ge=0, le=10_000)
    resolve: bool = False
    following: bool = False
    account_id: str | None = Field(default=None, max_length=20)
    exclude_unreviewed: bool = False
    max_id: str | None = Field(default=None, max_length=20)
    min_id: str | None = Field(default=None, max_length=20)

    @field_validator("type", mode="before")
    @classmethod
    def _known_type(cls, value: object) -> object:
        if value in ("", None):
            return None
        if value not in SEARCH_TYPES:
            raise ValueError(f"must be one of {', '.join(SEARCH_TYPES)}")
        return value

    def request(self) -> SearchRequest:
        return SearchRequest(
            q=self.q, type=self.type, limit=self.limit, offset=self.offset,
            following=self.following,
            account_id=path_id(self.account_id) if self.account_id else None,
            max_id=_cursor(self.max_id), min_id=_cursor(self.min_id),
            exclude_unreviewed=self.exclude_unreviewed, resolve=self.resolve)


@router.get("/api/v2/search", openapi_extra=query(SearchQuery))
async def search_v2(request: Request, session: DbSession, settings: AppSettings,
                    viewer: Viewer | None = Depends(user_optional("read:search"))) -> FastJSON:
    query = await parse(request, SearchQuery)
    if viewer is None and query.offset and query.type:
        raise Unauthorized("Search queries pagination is not supported without "
                           "authentication")
    viewer_id = viewer.id if viewer else None
    try:
        wanted = query.request()
    except NotFound:  # statuses of an account that cannot exist
        wanted = None
    if wanted is None:
        return json_response({"accounts": [], "statuses": [], "hashtags": []})
    wanted = await resolved(request, wanted, signed_in=viewer is not None)
    found = await search(session, request=wanted, viewer_id=viewer_id, settings=settings)
    views = await describe_tags(session, found.tags, viewer_id=viewer_id)
    statuses = await render_statuses(session, found.posts, viewer_id=viewer_id,
                                     settings=settings)
    return json_response({
        "accounts": [account_entity(account, settings) for account in found.accounts],
        "statuses": statuses,
        "hashtags": [tag_entity(view, settings, signed_in=viewer is not None)
                     for view in views],
    })
