"""The routing rule (http/routing.py): the more specific route wins, whatever the order the
routers were written in; checked on a made-up table and on the whole Mastodon API."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import APIRouter
from starlette.routing import Mount, Route

from parley.api.router import api_router
from parley.http.routing import merged, most_specific_first


async def _endpoint(_request: Any) -> None: ...


def test_literal_segments_come_first() -> None:
    routes = [Route("/api/v1/accounts/{id}", _endpoint), Mount("/static", routes=[]),
              Route("/{page}/{post}", _endpoint),
              Route("/api/v1/accounts/familiar_followers", _endpoint),
              Route("/api/v1/accounts/{id}/note", _endpoint), Route("/@{name}", _endpoint),
              Route("/{page}", _endpoint), Route("/static/x.css", _endpoint),
              Route("/files/{rest:path}", _endpoint), Route("/files/{id}/meta", _endpoint)]
    order = [route.path for route in most_specific_first(routes)]
    assert order.index("/api/v1/accounts/familiar_followers") < order.index(
        "/api/v1/accounts/{id}")
    assert order.index("/@{name}") < order.index("/{page}")
    assert order.index("/static/x.css") < order.index("/static") < order.index("/{page}/{post}")
    assert order.index("/files/{id}/meta") < order.index("/files/{rest:path}")


def test_merged_refuses_nested_routers() -> None:
    outer, inner = APIRouter(), APIRouter()
    inner.add_api_route("/x", _endpoint)
    outer.include_router(inner)
    with pytest.raises(ValueError):
        merged([outer])


def test_no_api_route_is_shadowed_by_an_earlier_one() -> None:
    """No route of the API answers a path that a later route spells out literally."""
    routes = [route for route in api_router.routes if isinstance(route, Route)]
    for index, route in enumerate(routes):
        if "{" in route.path:
            continue
        for earlier in routes[:index]:
            shared = (earlier.methods or set()) & (route.methods or set())
            assert not (shared and earlier.path_regex.match(route.path)), (
                f"{earlier.path} would answer {route.path}")
