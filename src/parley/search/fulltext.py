"""What a full-text search for posts looks for (words and "phrases", as the indexes split
them) and the statement matching them; the index and its per-dialect match are store's
(store/fulltext_ddl.py makes it, store/fulltext.py matches against it). Neither backend
stems words ('simple' / unicode61), so both find the same posts for the same words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select

from parley.posts.models import Post
from parley.store.dialect import Dialect

MAX_TERMS = 16
MAX_TERM_LENGTH = 100
_PHRASE = re.compile(r'"([^"]*)"')
_WORD = re.compile(r"\w+")


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


def matching_posts(dialect: Dialect, query: TextQuery) -> tuple[Select[Post], Any]:
    """SELECT posts matching `query` (never reposts) and the cursor column to order and
    page them by."""
    stmt, cursor = dialect.text_match(Post, Post.id, query.words, query.phrases,
                                      Post.repost_of_id.is_(None))
    return stmt, cursor
