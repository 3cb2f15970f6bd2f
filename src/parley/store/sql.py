"""SQL helpers shared by domains: cached table aliases, typed constants, idempotent inserts,
per-dialect schema options."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import BigInteger, Select, Table, cast, insert, literal, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ColumnElement

from parley.store.dialect import dialect_of
from parley.store.rawsql import Sql

T = TypeVar("T")
_aliases: dict[tuple[Any, str], Any] = {}


def alias_of(model: type[T], name: str) -> type[T]:
    """A named alias of a mapped class, built once per process.

    Building `aliased(Model)` on every call costs SQLAlchemy a full column-proxy set up (it
    showed as a quarter of a request's CPU in profiles); a cached, named alias costs nothing
    after the first use and gives the same SQL (and compiled-statement cache key) each time.
    """
    key = (model, name)
    found = _aliases.get(key)
    if found is None:
        found = _aliases[key] = aliased(model, name=name)
    result: type[T] = found
    return result


def bigint(value: int) -> ColumnElement[int]:
    """A typed constant for a SELECT list: asyncpg must know a bound parameter's type there."""
    return cast(literal(value, BigInteger), BigInteger)


def insert_ignoring(session: AsyncSession, model: type[Any], columns: list[str],
                    rows: Select[*tuple[Any, ...]]) -> Insert:
    """INSERT INTO <model> (columns) SELECT ... ON CONFLICT DO NOTHING in the session's
    dialect (store/dialect: Dialect.insert_select_ignoring)."""
    return dialect_of(session).insert_select_ignoring(model, columns, rows)


def partial_index_where(condition: str) -> dict[str, Any]:
    """An Index's WHERE, in each dialect's spelling (`IS_TRUE` as in store/rawsql): a planner
    uses a partial index only for queries that spell the condition the same way."""
    sql = Sql(condition)
    return {"sqlite_where": text(sql.sqlite), "postgresql_where": text(sql.pg_named)}


# __table_args__ of a table stored in primary-key order, the key its only b-tree (SQLite's
# WITHOUT ROWID; a PostgreSQL table has no such option, its primary key is an index).
CLUSTERED_BY_KEY: dict[str, Any] = {"sqlite_with_rowid": False}


def table_insert(model: type[Any]) -> Insert:
    """A Core INSERT into a model's table: executed with a list of dicts it is one
    executemany, with none of the ORM's unit-of-work (build it once, at module level)."""
    table: Table = model.__table__
    return insert(table)
