"""The routing rule: of two routes that could both match a path, the more specific one wins
(a literal segment beats a parameter), whatever order the routers were included in; so
`/api/v1/accounts/familiar_followers` is never taken by `/api/v1/accounts/{id}`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TypeVar

from fastapi import APIRouter
from starlette.routing import BaseRoute, Mount

_PARAM = re.compile(r"^\{(\w+)(?::(\w+))?\}$")
LITERAL, PARTIAL, PARAMETER, REST = 0, 1, 2, 3

R = TypeVar("R", bound=BaseRoute)


def specificity(route: BaseRoute) -> tuple[int, ...]:
    """Each segment's kind, in path order: a literal, a segment with a parameter inside it
    (`@{username}`), a one-segment parameter, or the rest of the path (a mount, a
    `{name:path}` parameter; it ends the key). Sorting by this key puts, at the first
    segment where two matching routes differ, the more literal one first; routes of
    different lengths cannot match the same path except through REST, which sorts after
    every longer, more specific route sharing its start."""
    path: str = getattr(route, "path", "")
    kinds: list[int] = []
    for segment in path.strip("/").split("/") if path.strip("/") else []:
        param = _PARAM.match(segment)
        if param is None:
            kinds.append(PARTIAL if "{" in segment else LITERAL)
        elif param.group(2) == "path":
            kinds.append(REST)
            return tuple(kinds)
        else:
            kinds.append(PARAMETER)
    if isinstance(route, Mount):
        kinds.append(REST)
    return tuple(kinds)


def most_specific_first(routes: Sequence[R]) -> list[R]:
    """`routes` in matching order under the rule (a stable sort: routes of the same shape,
    e.g. one path's methods, keep the order they were declared in)."""
    return sorted(routes, key=specificity)


def merged(routers: Iterable[APIRouter]) -> APIRouter:
    """One router holding every route of `routers`, most specific first. (FastAPI keeps an
    included router as one nested entry, matched in inclusion order: including routers one
    by one would let the order of modules decide.)"""
    routes: list[BaseRoute] = []
    for router in routers:
        for route in router.routes:
            if not hasattr(route, "path"):
                raise ValueError(f"{route!r}: merge the routers it includes instead")
            routes.append(route)
    result = APIRouter()
    result.routes.extend(most_specific_first(routes))
    return result
