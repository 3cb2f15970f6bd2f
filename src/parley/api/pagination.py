"""Mastodon paging for the API: Page from the query string, and the Link header out."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from fastapi import Request
from pydantic import BaseModel

from parley.http.openapi import query
from parley.lib.paging import DEFAULT_LIMIT, MAX_LIMIT, Page

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "PAGED", "Page", "PageQuery", "link_header"]


class PageQuery(BaseModel):
    """What `Page.from_request` reads, for the OpenAPI document: ids as text (a bad one
    pages nothing), a limit clamped to the route's range."""

    max_id: str | None = None
    since_id: str | None = None
    min_id: str | None = None
    limit: int | None = None


PAGED = query(PageQuery)  # the `openapi_extra` of a paged route


def link_header(request: Request, cursors: Sequence[int]) -> str | None:
    """next (older) and prev (newer) links for a newest-first page of cursor ids."""
    if not cursors:
        return None
    base = request.app.state.settings.base_url + request.url.path
    kept = [(k, v) for k, v in request.query_params.multi_items()
            if k not in ("max_id", "since_id", "min_id")]
    older = urlencode([*kept, ("max_id", str(cursors[-1]))])
    newer = urlencode([*kept, ("min_id", str(cursors[0]))])
    return f'<{base}?{older}>; rel="next", <{base}?{newer}>; rel="prev"'
