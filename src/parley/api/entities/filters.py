"""Filter, FilterKeyword, FilterStatus, V1 Filter and FilterResult entities; and `filtered`
on statuses, for a whole page at once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from parley.filters.matching import ActiveFilter, FilterMatch, match_posts
from parley.filters.models import Filter, FilterKeyword, FilterStatus
from parley.lib.timefmt import iso
from parley.posts.models import Post
from parley.posts.rows import PostRow
from parley.store.rawsql import Reader, Sql, json_of, reader_now

# The viewer's unexpired filters with their keywords (kind 'k') and posts (kind 's'): one
# statement; most viewers have none, and then it returns nothing.
_ACTIVE_FILTERS = Sql(
    "SELECT f.id, f.title, f.context, f.action, f.expires_at, 'k', k.id, k.keyword, "
    "k.whole_word FROM filters f LEFT JOIN filter_keywords k ON k.filter_id = f.id "
    "WHERE f.account_id = :viewer AND (f.expires_at IS NULL OR f.expires_at > :now) "
    "UNION ALL SELECT f.id, f.title, f.context, f.action, f.expires_at, 's', s.post_id, "
    "NULL, NULL FROM filters f JOIN filter_statuses s ON s.filter_id = f.id "
    "WHERE f.account_id = :viewer AND (f.expires_at IS NULL OR f.expires_at > :now)")


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


def _timestamp(value: datetime | str | None) -> datetime | None:
    if isinstance(value, str):  # SQLite's text, always UTC
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value


async def active_filters_raw(reader: Reader, viewer_id: int, context: str
                             ) -> list[ActiveFilter]:
    """filters.matching.active_filters in one raw statement (the filters are built as
    transient ORM objects, so matching and the entities stay shared)."""
    found: dict[int, ActiveFilter] = {}
    rows = await reader.fetch(_ACTIVE_FILTERS, {"viewer": viewer_id, "now": reader_now(reader)})
    for filter_id, title, contexts, action, expires_at, kind, item_id, keyword, whole in sorted(
            rows, key=lambda row: (row[0], row[5], row[6] or 0)):
        active = found.get(filter_id)
        if active is None:
            contexts = json_of(contexts) or []
            if context not in contexts:
                continue
            active = found[filter_id] = ActiveFilter(Filter(
                id=filter_id, account_id=viewer_id, title=title, context=contexts,
                action=action, expires_at=_timestamp(expires_at)))
        if kind == "k" and item_id is not None:
            active.keywords.append(FilterKeyword(id=item_id, filter_id=filter_id,
                                                 keyword=keyword, whole_word=bool(whole)))
        elif kind == "s":
            active.post_ids.add(item_id)
    for active in found.values():
        active.compile()
    return list(found.values())


async def attach_filter_results(reader: Reader, entities: Sequence[dict[str, Any]],
                                proper: Sequence[PostRow | None], *, viewer_id: int,
                                context: str) -> None:
    """Fill `filtered` of each status (and of the post a repost wraps) with the viewer's
    filters for `context` that match it. `proper[i]` is the post entities[i] shows: the
    original for a repost."""
    filters = await active_filters_raw(reader, viewer_id, context)
    if not filters:
        return
    # PostRow has every attribute matching reads of a Post (id, account_id, content...).
    posts: list[Post] = [post for post in proper if post is not None]  # type: ignore[misc]
    matches = match_posts(filters, posts, viewer_id=viewer_id)
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
