"""Full-text matching of posts behind one interface: SQLite FTS5 or PostgreSQL full text.

The index is made in the migration (script.py.mako): on SQLite an FTS5 external-content
table `posts_fts` kept by triggers, on PostgreSQL a stored generated tsvector column
`posts.search_document` with a GIN index. Both index a post's text and content warning and
change in the same transaction as the posts. Neither stems words ('simple' / unicode61), so
the two backends find the same posts for the same words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Select, column, func, literal_column, select, table
from sqlalchemy.sql.elements import ColumnClause, ColumnElement

from parley.posts.models import Post

MAX_TERMS = 16
MAX_TERM_LENGTH = 100
_PHRASE = re.compile(r'"([^"]*)"')
_WORD = re.compile(r"\w+")
# The generated column (not mapped: the ORM never reads or writes it).
PG_DOCUMENT: ColumnClause[Any] = literal_column("posts.search_document")
_PG_CONFIG: ColumnClause[Any] = literal_column("'simple'::regconfig")
_FTS = table("posts_fts", column("rowid", BigInteger), column("posts_fts"))


@dataclass(frozen=True)
class TextQuery:
    """What to look for: words (all must occur) and "quoted phrases" (in that order)."""

    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()

    @property
    def empty(self) -> bool:
        return not self.words and not self.phrases


def _words(text: str) -> list[str]:
    return [word.lower()[:MAX_TERM_LENGTH] for word in _WORD.findall(text)]


def parse_text_query(raw: str) -> TextQuery:
    """Words as the indexes split them (letters and digits); punctuation only separates."""
    phrases = [tuple(_words(inner)) for inner in _PHRASE.findall(raw)]
    rest = _PHRASE.sub(" ", raw)
    words = list(dict.fromkeys(_words(rest)))
    kept_phrases = [phrase for phrase in phrases if phrase]
    budget = MAX_TERMS - sum(len(phrase) for phrase in kept_phrases)
    return TextQuery(words=tuple(words[:max(budget, 0)]), phrases=tuple(kept_phrases))


def _fts5_expression(query: TextQuery) -> str:
    """An FTS5 MATCH string in which every word is a quoted string: no operator or column
    syntax a user types can reach FTS5."""
    parts = [f'"{word}"' for word in query.words]
    parts += ['"' + " ".join(phrase) + '"' for phrase in query.phrases]
    return " AND ".join(parts)


def _pg_condition(query: TextQuery) -> ColumnElement[bool]:
    tsqueries: list[Any] = []
    if query.words:
        tsqueries.append(func.plainto_tsquery(_PG_CONFIG, " ".join(query.words)))
    tsqueries += [func.phraseto_tsquery(_PG_CONFIG, " ".join(phrase))
                  for phrase in query.phrases]
    combined = tsqueries[0]
    for other in tsqueries[1:]:
        combined = combined.op("&&")(other)
    condition: ColumnElement[bool] = PG_DOCUMENT.op("@@")(combined)
    return condition


def matching_posts(dialect: str, query: TextQuery) -> tuple[Select[Post], Any]:
    """SELECT posts matching `query` (never reposts) and the cursor column to order and
    page them by. On SQLite the FTS table drives the query, newest match first, so a page
    stops after `limit` visible matches instead of sorting every match; PostgreSQL's planner
    picks between the GIN index (rare words) and walking posts newest first (common ones)
    from the column's statistics."""
    if dialect == "sqlite":
        stmt = (select(Post).join_from(_FTS, Post, Post.id == _FTS.c.rowid)
                .where(_FTS.c.posts_fts.match(_fts5_expression(query)),
                       Post.repost_of_id.is_(None)))
        return stmt, _FTS.c.rowid
    if dialect == "postgresql":
        stmt = select(Post).where(_pg_condition(query), Post.repost_of_id.is_(None))
        return stmt, Post.id
    raise NotImplementedError(f"full-text search is not available on {dialect}")
