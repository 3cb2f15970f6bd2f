"""Matching posts against someone's filters: keywords (whole-word or not) and chosen posts."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.filters.models import Filter, FilterKeyword, FilterStatus
from parley.lib.html import html_to_text
from parley.lib.timefmt import utcnow
from parley.posts.models import Post

_WORD_START = re.compile(r"^\w")
_WORD_END = re.compile(r"\w$")


def keyword_pattern(keyword: str, whole_word: bool) -> re.Pattern[str]:
    """Case-insensitive; a whole word needs a word boundary on each side that is a word
    character (so "#tag" or "c++" still match as written), as Mastodon does."""
    escaped = re.escape(keyword)
    if whole_word:
        start = r"\b" if _WORD_START.search(keyword) else ""
        end = r"\b" if _WORD_END.search(keyword) else ""
        escaped = f"{start}{escaped}{end}"
    return re.compile(escaped, re.IGNORECASE)


@dataclass
class ActiveFilter:
    """A filter in force, with its keywords compiled and its post ids."""

    filter: Filter
    keywords: list[FilterKeyword] = field(default_factory=list)
    post_ids: set[int] = field(default_factory=set)
    patterns: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)

    def compile(self) -> None:
        self.patterns = [(kw.keyword, keyword_pattern(kw.keyword, kw.whole_word))
                         for kw in self.keywords if kw.keyword]


@dataclass
class FilterMatch:
    """One filter that matched a post, and what in it matched."""

    filter: Filter
    keyword_matches: list[str]
    status_matches: list[str]

    @property
    def hides(self) -> bool:
        return self.filter.action == "hide"


async def active_filters(session: AsyncSession, account_id: int, context: str
                         ) -> list[ActiveFilter]:
    """The account's unexpired filters that apply in `context`, in three queries."""
    rows = (await session.scalars(select(Filter).where(
        Filter.account_id == account_id,
        or_(Filter.expires_at.is_(None), Filter.expires_at > utcnow())).order_by(Filter.id)
    )).all()
    found = {row.id: ActiveFilter(row) for row in rows if context in (row.context or [])}
    if not found:
        return []
    keywords = await session.scalars(select(FilterKeyword).where(
        FilterKeyword.filter_id.in_(found)).order_by(FilterKeyword.id))
    for keyword in keywords:
        found[keyword.filter_id].keywords.append(keyword)
    statuses = await session.execute(select(FilterStatus.filter_id, FilterStatus.post_id)
                                     .where(FilterStatus.filter_id.in_(found)))
    for filter_id, post_id in statuses.tuples():
        found[filter_id].post_ids.add(post_id)
    for active in found.values():
        active.compile()
    return list(found.values())


def post_text(post: Post) -> str:
    """What keywords are matched against: the content warning and the text."""
    return f"{post.spoiler_text}\n\n{html_to_text(post.content)}"


def match_post(filters: Sequence[ActiveFilter], post: Post) -> list[FilterMatch]:
    """The filters `post` (never a repost: pass the original) matches."""
    if not filters:
        return []
    text = post_text(post)
    matches: list[FilterMatch] = []
    for active in filters:
        words = [keyword for keyword, pattern in active.patterns if pattern.search(text)]
        statuses = [str(post.id)] if post.id in active.post_ids else []
        if words or statuses:
            matches.append(FilterMatch(active.filter, words, statuses))
    return matches


def match_posts(filters: Sequence[ActiveFilter], posts: Sequence[Post], *, viewer_id: int
                ) -> dict[int, list[FilterMatch]]:
    """Matches by post id; one's own posts are never filtered."""
    result: dict[int, list[FilterMatch]] = defaultdict(list)
    for post in posts:
        if post.account_id != viewer_id:
            found = match_post(filters, post)
            if found:
                result[post.id] = found
    return result
