"""Full-text matching over the index store/fulltext_ddl makes: SQLite FTS5 or PostgreSQL
full text, asked for through `Dialect.text_match` (the words come parsed: search/)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, Select, column, func, literal_column, select, table, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnClause, ColumnElement

# The generated column (not mapped: the ORM never reads or writes it).
PG_DOCUMENT: ColumnClause[Any] = literal_column("posts.search_document")
_PG_CONFIG: ColumnClause[Any] = literal_column("'simple'::regconfig")
_FTS = table("posts_fts", column("rowid", BigInteger), column("posts_fts"))
# For the search's transaction only (measured on 100,000 posts): a plan made for the words
# asked (a cached generic plan sorts every match of a common word: 350 ms instead of 2 ms),
# and no JIT, which the high estimated cost of walking posts newest first sets off (50 ms of
# compiling for a 2 ms query).
_PG_SEARCH_SETTINGS = text("SELECT set_config('plan_cache_mode', 'force_custom_plan', true), "
                           "set_config('jit', 'off', true)")


def fts5_expression(words: Sequence[str], phrases: Sequence[Sequence[str]]) -> str:
    """An FTS5 MATCH string in which every word is a quoted string: no operator or column
    syntax a user types can reach FTS5."""
    parts = [f'"{word}"' for word in words]
    parts += ['"' + " ".join(phrase) + '"' for phrase in phrases]
    return " AND ".join(parts)


def pg_condition(words: Sequence[str], phrases: Sequence[Sequence[str]]
                 ) -> ColumnElement[bool]:
    tsqueries: list[Any] = []
    if words:
        tsqueries.append(func.plainto_tsquery(_PG_CONFIG, " ".join(words)))
    tsqueries += [func.phraseto_tsquery(_PG_CONFIG, " ".join(phrase)) for phrase in phrases]
    combined = tsqueries[0]
    for other in tsqueries[1:]:
        combined = combined.op("&&")(other)
    condition: ColumnElement[bool] = PG_DOCUMENT.op("@@")(combined)
    return condition


def sqlite_match(entity: Any, id_column: Any, words: Sequence[str],
                 phrases: Sequence[Sequence[str]], *also: ColumnElement[bool]
                 ) -> tuple[Select[Any], ColumnElement[Any]]:
    """The FTS table drives the query, newest match first, so a page stops after `limit`
    visible matches instead of sorting every match."""
    stmt = (select(entity).join_from(_FTS, entity, id_column == _FTS.c.rowid)
            .where(_FTS.c.posts_fts.match(fts5_expression(words, phrases)), *also))
    return stmt, _FTS.c.rowid


def pg_match(entity: Any, id_column: Any, words: Sequence[str],
             phrases: Sequence[Sequence[str]], *also: ColumnElement[bool]
             ) -> tuple[Select[Any], ColumnElement[Any]]:
    """The planner picks between the GIN index (rare words) and walking posts newest first
    (common ones) from the column's statistics."""
    return select(entity).where(pg_condition(words, phrases), *also), id_column


async def tune_pg(session: AsyncSession) -> None:
    await session.execute(_PG_SEARCH_SETTINGS)
