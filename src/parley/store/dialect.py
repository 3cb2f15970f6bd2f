"""What differs between SQLite and PostgreSQL, as named capabilities. A domain asks its
session's, reader's or database's `Dialect` (an upsert that skips conflicts, a full-text
match, whether writes are serial) and never names a backend; what a database URL means is
decided here too."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ColumnElement

from parley.store import fulltext


class Dialect:
    """One backend's answers; there are two (SQLITE, POSTGRESQL). Statements it builds are
    built once per dialect and kept: compose and the fan-out run them on every post."""

    def __init__(self, name: str, label: str, *, single_writer: bool, lateral: bool) -> None:
        self.name = name
        self.label = label
        # One writer connection (SQLite): writes queue in the app, so work that writes runs
        # one at a time (side by side it would only wait) and claims need no row locks.
        self.single_writer = single_writer
        # A statement can run once over arrays of rows (unnest + CROSS JOIN LATERAL, one
        # round trip) rather than once per row (SQLite: no LATERAL, and no round trip to save).
        self.lateral = lateral
        self._module: Any = postgresql if name == "postgresql" else sqlite
        self._inserts: dict[tuple[Any, ...], Insert] = {}

    def __repr__(self) -> str:
        return f"Dialect({self.name})"

    def insert_ignoring(self, model: type[Any], conflict: Sequence[str] | None = None,
                        returning: Sequence[Any] = ()) -> Insert:
        """INSERT INTO <model> ... ON CONFLICT [(conflict)] DO NOTHING [RETURNING ...]: a row
        that exists already is left as it is (idempotent creates, racing creators). Built
        once per model, conflict target and returned columns; add .values() per call or
        execute it with parameters."""
        key = (model, None if conflict is None else tuple(conflict), tuple(returning))
        found = self._inserts.get(key)
        if found is None:
            found = self._module.insert(model).on_conflict_do_nothing(
                index_elements=None if conflict is None else list(conflict))
            if returning:
                found = found.returning(*returning)
            self._inserts[key] = found
        return found

    def insert_select_ignoring(self, model: type[Any], columns: list[str],
                               rows: Select[Any]) -> Insert:
        """INSERT INTO <model> (columns) SELECT ... ON CONFLICT DO NOTHING: re-running a
        set-based insert (a retried job) adds nothing twice. On SQLite the SELECT needs a
        WHERE clause for the upsert to parse."""
        insert: Insert = self._module.insert(model).from_select(
            columns, rows).on_conflict_do_nothing()
        return insert

    def text_match(self, entity: Any, id_column: Any, words: Sequence[str],
                   phrases: Sequence[Sequence[str]], *also: ColumnElement[bool]
                   ) -> tuple[Select[Any], ColumnElement[Any]]:
        """SELECT <entity> whose text holds every word and phrase (and `also`), and the
        column to order and page by (store/fulltext)."""
        if self.name == "sqlite":
            return fulltext.sqlite_match(entity, id_column, words, phrases, *also)
        return fulltext.pg_match(entity, id_column, words, phrases, *also)

    async def tune_text_search(self, session: AsyncSession) -> None:
        """Planner settings for the full-text statement the session runs next."""
        if self.name == "postgresql":
            await fulltext.tune_pg(session)


SQLITE = Dialect("sqlite", "SQLite", single_writer=True, lateral=False)
POSTGRESQL = Dialect("postgresql", "PostgreSQL", single_writer=False, lateral=True)
_BY_NAME = {"sqlite": SQLITE, "postgresql": POSTGRESQL}

# Plain URLs as an operator writes them, and the async drivers Parley runs them with.
_DRIVERS = (
    ("sqlite://", "sqlite+aiosqlite://"),
    ("postgresql://", "postgresql+asyncpg://"),
    ("postgres://", "postgresql+asyncpg://"),
)


def engine_url(url: str) -> str:
    """A database URL with the async driver Parley uses (plain sqlite:// and postgresql://
    URLs are accepted; one that names its driver is kept)."""
    for plain, driver in _DRIVERS:
        if url.startswith(plain):
            return driver + url[len(plain):]
    return url


def dialect_of_url(url: str) -> Dialect:
    """The dialect a database URL (plain or with its driver) speaks."""
    return SQLITE if url.startswith("sqlite") else POSTGRESQL


def dialect_of(session: AsyncSession) -> Dialect:
    """The dialect of the database a session is bound to."""
    return _BY_NAME[session.get_bind().dialect.name]
