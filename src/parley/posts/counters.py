"""Denormalised counters (posts, replies, reposts, likes, quotes), changed atomically in SQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key


async def bump(session: AsyncSession, column: InstrumentedAttribute[int], row_id: int,
               delta: int, **also: Any) -> None:
    """column += delta (never below zero) for one row, in SQL so concurrent changes add up;
    an instance already loaded in the session sees the new value without another query."""
    model: Any = column.class_
    changed = column + delta
    values: dict[str, Any] = {column.key: case((changed < 0, 0), else_=changed), **also}
    result = await session.execute(
        update(model).where(model.id == row_id).values(values).returning(column)
        .execution_options(synchronize_session=False))
    value = result.scalar_one_or_none()
    loaded = session.identity_map.get(identity_key(model, row_id))
    if loaded is not None and value is not None:
        set_committed_value(loaded, column.key, value)
        for key, other in also.items():
            set_committed_value(loaded, key, other)
