"""Denormalised counters (posts, replies, reposts, likes, quotes), changed atomically in SQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer, Update, bindparam, case, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

# One UPDATE per (counter, extra columns), built on first use: statement construction and
# its cache-key walk were a large part of a compose's CPU when built per call.
_STATEMENTS: dict[tuple[Any, str, tuple[str, ...]], Update] = {}


def _statement(model: Any, column: InstrumentedAttribute[int], also: tuple[str, ...]
               ) -> Update:
    key = (model, column.key, also)
    found = _STATEMENTS.get(key)
    if found is None:
        changed = column + bindparam("delta", type_=Integer)
        values: dict[str, Any] = {column.key: case((changed < 0, 0), else_=changed)}
        values.update({name: bindparam(f"also_{name}") for name in also})
        found = _STATEMENTS[key] = (
            update(model).where(model.id == bindparam("row_id", type_=BigInteger))
            .values(values).returning(column)
            .execution_options(synchronize_session=False))
    return found


async def bump(session: AsyncSession, column: InstrumentedAttribute[int], row_id: int,
               delta: int, **also: Any) -> None:
    """column += delta (never below zero) for one row, in SQL so concurrent changes add up;
    an instance already loaded in the session sees the new value without another query."""
    model: Any = column.class_
    stmt = _statement(model, column, tuple(sorted(also)))
    params = {"row_id": row_id, "delta": delta,
              **{f"also_{name}": value for name, value in also.items()}}
    value = (await session.execute(stmt, params)).scalar_one_or_none()
    loaded = session.identity_map.get(identity_key(model, row_id))
    if loaded is not None and value is not None:
        set_committed_value(loaded, column.key, value)
        for key, other in also.items():
            set_committed_value(loaded, key, other)
