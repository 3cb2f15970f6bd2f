"""Keyset paging over snowflake ids: max_id / since_id / min_id / limit, newest first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import ColumnElement

from parley.lib.ids import parse_cursor
from parley.lib.numbers import ascii_int


class HasQueryParams(Protocol):
    """Anything with Starlette-like query_params (a request), so this stays framework-free."""

    @property
    def query_params(self) -> Mapping[str, str]: ...


S = TypeVar("S", bound="Select[*tuple[Any, ...]]")
Cursor = ColumnElement[int] | QueryableAttribute[int]
DEFAULT_LIMIT = 20
MAX_LIMIT = 40


@dataclass(frozen=True)
class Page:
    """A page request. With min_id the page is the oldest items just above it."""

    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None
    limit: int = DEFAULT_LIMIT

    @classmethod
    def from_request(cls, request: HasQueryParams, *, default: int = DEFAULT_LIMIT,
                     maximum: int = MAX_LIMIT) -> Page:
        query = request.query_params
        asked = ascii_int(query.get("limit"), max_digits=9, signed=True)
        limit = default if asked is None else asked
        return cls(
            max_id=parse_cursor(query.get("max_id")),
            since_id=parse_cursor(query.get("since_id")),
            min_id=parse_cursor(query.get("min_id")),
            limit=max(1, min(limit, maximum)),
        )

    @property
    def ascending(self) -> bool:
        return self.min_id is not None

    def apply(self, stmt: S, cursor: Cursor) -> S:
        """Bound, order and limit a query by a cursor column (descending unless min_id)."""
        if self.max_id is not None:
            stmt = stmt.where(cursor < self.max_id)
        if self.since_id is not None:
            stmt = stmt.where(cursor > self.since_id)
        if self.min_id is not None:
            stmt = stmt.where(cursor > self.min_id)
        order = cursor.asc() if self.ascending else cursor.desc()
        return stmt.order_by(order).limit(self.limit)

    def arrange(self, items: Sequence[Any]) -> list[Any]:
        """Items fetched with apply(), newest first as clients expect."""
        return list(reversed(items)) if self.ascending else list(items)
