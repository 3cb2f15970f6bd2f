"""Denormalised counters (posts, replies, reposts, likes, quotes), changed atomically in SQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from parley.store.rawsql import Sql
from parley.store.rawwrite import writer_of

# One UPDATE per (counter, extra columns), written on first use and run on the raw write
# path: a compose bumps two or three counters, and SQLAlchemy's per-statement machinery was
# most of each one's cost.
_STATEMENTS: dict[tuple[str, str, tuple[str, ...]], Sql] = {}


def _statement(table: str, column: str, also: tuple[str, ...]) -> Sql:
    key = (table, column, also)
    found = _STATEMENTS.get(key)
    if found is None:
        extra = "".join(f", {name} = :also_{name}" for name in also)
        found = _STATEMENTS[key] = Sql(
            f"UPDATE {table} SET {column} = CASE WHEN {column} + :delta < 0 THEN 0 "
            f"ELSE {column} + :delta END{extra} WHERE id = :row_id RETURNING {column}")
    return found


async def bump(session: AsyncSession, column: InstrumentedAttribute[int], row_id: int,
               delta: int, **also: Any) -> None:
    """column += delta (never below zero) for one row, in SQL so concurrent changes add up;
    an instance already loaded in the session sees the new value without another query."""
    model: Any = column.class_
    stmt = _statement(model.__tablename__, column.key, tuple(sorted(also)))
    params = {"row_id": row_id, "delta": delta,
              **{f"also_{name}": value for name, value in also.items()}}
    rows = await (await writer_of(session)).fetch(stmt, params)
    loaded = session.identity_map.get(identity_key(model, row_id))
    if loaded is not None and rows:
        set_committed_value(loaded, column.key, rows[0][0])
        for key, other in also.items():
            set_committed_value(loaded, key, other)
