"""Filter, FilterKeyword, FilterStatus, V1 Filter and FilterResult entities; and `filtered`
on statuses, for a whole page at once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from parley.filters.matching import FilterMatch, active_filters, match_posts
from parley.filters.models import Filter, FilterKeyword, FilterStatus
from parley.lib.timefmt import iso
from parley.posts.models import Post


def keyword_entity(keyword: FilterKeyword) -> dict[str, Any]:
    return {"id": str(keyword.id), "keyword": keyword.keyword,
            "whole_word": keyword.whole_word}


def filter_status_entity(status: FilterStatus) -> dict[str, Any]:
    return {"id": str(status.id), "status_id": str(status.post_id)}


def filter_entity(row: Filter, keywords: Sequence[FilterKeyword] | None = None,
                  statuses: Sequence[FilterStatus] | None = None) -> dict[str, Any]:
    """Mastodon's (v2) Filter; keywords and statuses are left out inside a FilterResult."""
    entity: dict[str, Any] = {
        "id": str(row.id),
        "title": row.title,
        "context": list(row.context or []),
        "expires_at": iso(row.expires_at),
        "filter_action": row.action,
    }
    if keywords is not None:
        entity["keywords"] = [keyword_entity(keyword) for keyword in keywords]
    if statuses is not None:
        entity["statuses"] = [filter_status_entity(status) for status in statuses]
    return entity


def v1_filter_entity(row: Filter, keyword: FilterKeyword) -> dict[str, Any]:
    """The v1 view: one entry per keyword, `irreversible` meaning the filter hides."""
    return {"id": str(keyword.id), "phrase": keyword.keyword, "context": list(row.context),
            "whole_word": keyword.whole_word, "expires_at": iso(row.expires_at),
            "irreversible": row.action == "hide"}


def filter_result_entity(match: FilterMatch) -> dict[str, Any]:
    return {"filter": filter_entity(match.filter), "keyword_matches": match.keyword_matches,
            "status_matches": match.status_matches}


async def attach_filter_results(session: AsyncSession, entities: Sequence[dict[str, Any]],
                                proper: Sequence[Post | None], *, viewer_id: int,
                                context: str) -> None:
    """Fill `filtered` of each status (and of the post a repost wraps) with the viewer's
    filters for `context` that match it. `proper[i]` is the post entities[i] shows: the
    original for a repost."""
    filters = await active_filters(session, viewer_id, context)
    if not filters:
        return
    matches = match_posts(filters, [post for post in proper if post is not None],
                          viewer_id=viewer_id)
    for entity, post in zip(entities, proper, strict=True):
        found = matches.get(post.id) if post is not None else None
        if not found:
            continue
        results = [filter_result_entity(match) for match in found]
        entity["filtered"] = results
        if entity.get("reblog"):
            entity["reblog"]["filtered"] = results


def is_hidden(entity: dict[str, Any]) -> bool:
    """A status one of whose matching filters says hide."""
    return any(result["filter"]["filter_action"] == "hide"
               for result in entity.get("filtered") or [])


def drop_hidden(entities: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The statuses no `hide` filter matched (those are left out of timelines)."""
    return [entity for entity in entities if not is_hidden(entity)]
