"""Filter services: creating, changing and deleting filters, their keywords and posts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from parley.errors import Invalid, NotFound
from parley.events import record
from parley.events.live import FiltersChanged
from parley.filters.models import (
    FILTER_ACTIONS,
    FILTER_CONTEXTS,
    Filter,
    FilterKeyword,
    FilterStatus,
)
from parley.lib.ids import new_id
from parley.lib.timefmt import utcnow
from parley.posts.lookup import get_proper_post

MAX_FILTERS = 100
MAX_KEYWORDS = 100
MAX_TITLE = 255
MAX_KEYWORD = 255
MAX_EXPIRES_IN = 10 * 365 * 24 * 3600


@dataclass
class KeywordChange:
    """A keyword to add (no id), change (id) or remove (id and destroy)."""

    id: int | None = None
    keyword: str | None = None
    whole_word: bool | None = None
    destroy: bool = False


@dataclass
class FilterDraft:
    """What a create or update asks for; None leaves a value as it is (or the default)."""

    title: str | None = None
    context: list[str] | None = None
    action: str | None = None
    expires_in: int | None = None
    never_expires: bool = False
    keywords: list[KeywordChange] = field(default_factory=list)


def _title(title: str) -> str:
    title = title.strip()
    if not title:
        raise Invalid("Validation failed: title can't be blank")
    if len(title) > MAX_TITLE:
        raise Invalid(f"Validation failed: title is longer than {MAX_TITLE} characters")
    return title


def _context(context: list[str]) -> list[str]:
    wanted = list(dict.fromkeys(context))
    if not wanted:
        raise Invalid("Validation failed: context can't be blank")
    unknown = [value for value in wanted if value not in FILTER_CONTEXTS]
    if unknown:
        raise Invalid(f"Validation failed: context must be some of {', '.join(FILTER_CONTEXTS)}")
    return wanted


def _action(action: str) -> str:
    if action not in FILTER_ACTIONS:
        raise Invalid(f"Validation failed: filter_action must be one of "
                      f"{', '.join(FILTER_ACTIONS)}")
    return action


def _keyword(keyword: str) -> str:
    keyword = keyword.strip()
    if not keyword:
        raise Invalid("Validation failed: keyword can't be blank")
    if len(keyword) > MAX_KEYWORD:
        raise Invalid(f"Validation failed: keyword is longer than {MAX_KEYWORD} characters")
    return keyword


def _expiry(expires_in: int) -> datetime:
    if not 0 < expires_in <= MAX_EXPIRES_IN:
        raise Invalid("Validation failed: expires_in must be a positive number of seconds "
                      "(at most ten years)")
    return utcnow() + timedelta(seconds=expires_in)


async def get_filter(session: AsyncSession, *, account_id: int, filter_id: int) -> Filter:
    """One of the account's filters; someone else's is simply not found."""
    found: Filter | None = await session.scalar(select(Filter).where(
        Filter.id == filter_id, Filter.account_id == account_id))
    if found is None:
        raise NotFound()
    return found


async def list_filters(session: AsyncSession, *, account_id: int) -> list[Filter]:
    """All the account's filters, expired ones included (clients show and renew them)."""
    rows = await session.scalars(select(Filter).where(Filter.account_id == account_id)
                                 .order_by(Filter.id))
    return list(rows.all())


@dataclass
class FilterParts:
    """Keywords and posts of several filters, by filter id."""

    keywords: dict[int, list[FilterKeyword]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[int, list[FilterStatus]] = field(default_factory=lambda: defaultdict(list))


async def filter_parts(session: AsyncSession, filter_ids: Sequence[int]) -> FilterParts:
    """Keywords and posts of the filters in two queries."""
    parts = FilterParts()
    if not filter_ids:
        return parts
    for keyword in await session.scalars(select(FilterKeyword).where(
            FilterKeyword.filter_id.in_(filter_ids)).order_by(FilterKeyword.id)):
        parts.keywords[keyword.filter_id].append(keyword)
    for status in await session.scalars(select(FilterStatus).where(
            FilterStatus.filter_id.in_(filter_ids)).order_by(FilterStatus.id)):
        parts.statuses[status.filter_id].append(status)
    return parts


async def _count(session: AsyncSession, condition: ColumnElement[bool]) -> int:
    return await session.scalar(select(func.count()).where(condition)) or 0


async def _apply_keywords(session: AsyncSession, row: Filter, changes: list[KeywordChange]
                          ) -> None:
    for change in changes:
        if change.id is None:
            if not change.destroy:
                session.add(FilterKeyword(id=new_id(), filter_id=row.id,
                                          keyword=_keyword(change.keyword or ""),
                                          whole_word=True if change.whole_word is None
                                          else change.whole_word, created_at=utcnow()))
            continue
        keyword = await session.scalar(select(FilterKeyword).where(
            FilterKeyword.id == change.id, FilterKeyword.filter_id == row.id))
        if keyword is None:
            raise NotFound()
        if change.destroy:
            await session.delete(keyword)
            continue
        if change.keyword is not None:
            keyword.keyword = _keyword(change.keyword)
        if change.whole_word is not None:
            keyword.whole_word = change.whole_word
    await session.flush()
    if await _count(session, FilterKeyword.filter_id == row.id) > MAX_KEYWORDS:
        raise Invalid(f"Validation failed: a filter has at most {MAX_KEYWORDS} keywords")


def _apply(row: Filter, draft: FilterDraft) -> None:
    if draft.title is not None:
        row.title = _title(draft.title)
    if draft.context is not None:
        row.context = _context(draft.context)
    if draft.action is not None:
        row.action = _action(draft.action)
    if draft.never_expires:
        row.expires_at = None
    elif draft.expires_in is not None:
        row.expires_at = _expiry(draft.expires_in)


async def create_filter(session: AsyncSession, *, account_id: int, draft: FilterDraft
                        ) -> Filter:
    """A new filter with its first keywords; title and context are required."""
    await record(session, FiltersChanged(account_id))  # published only if this commits
    if draft.title is None or draft.context is None:
        raise Invalid("Validation failed: title and context are required")
    if await _count(session, Filter.account_id == account_id) >= MAX_FILTERS:
        raise Invalid(f"Validation failed: at most {MAX_FILTERS} filters")
    row = Filter(id=new_id(), account_id=account_id, title="", context=[], action="warn",
                 expires_at=None, created_at=utcnow())
    _apply(row, draft)
    session.add(row)
    await session.flush()
    if any(change.id is not None for change in draft.keywords):
        raise NotFound()  # as Mastodon: a new filter has no keywords to refer to yet
    await _apply_keywords(session, row, draft.keywords)
    return row


async def update_filter(session: AsyncSession, *, account_id: int, filter_id: int,
                        draft: FilterDraft) -> Filter:
    await record(session, FiltersChanged(account_id))  # published only if this commits
    row = await get_filter(session, account_id=account_id, filter_id=filter_id)
    _apply(row, draft)
    await session.flush()
    await _apply_keywords(session, row, draft.keywords)
    return row


async def delete_filter(session: AsyncSession, *, account_id: int, filter_id: int) -> None:
    await record(session, FiltersChanged(account_id))  # published only if this commits
    row = await get_filter(session, account_id=account_id, filter_id=filter_id)
    await session.execute(delete(FilterKeyword).where(FilterKeyword.filter_id == row.id))
    await session.execute(delete(FilterStatus).where(FilterStatus.filter_id == row.id))
    await session.delete(row)
    await session.flush()


async def add_keyword(session: AsyncSession, *, account_id: int, filter_id: int,
                      keyword: str, whole_word: bool | None) -> FilterKeyword:
    await record(session, FiltersChanged(account_id))  # published only if this commits
    row = await get_filter(session, account_id=account_id, filter_id=filter_id)
    change = KeywordChange(keyword=keyword, whole_word=whole_word)
    await _apply_keywords(session, row, [change])
    added: FilterKeyword | None = await session.scalar(
        select(FilterKeyword).where(FilterKeyword.filter_id == row.id)
        .order_by(FilterKeyword.id.desc()).limit(1))
    assert added is not None
    return added


async def get_keyword(session: AsyncSession, *, account_id: int, keyword_id: int
                      ) -> FilterKeyword:
    found: FilterKeyword | None = await session.scalar(
        select(FilterKeyword).join(Filter, Filter.id == FilterKeyword.filter_id)
        .where(FilterKeyword.id == keyword_id, Filter.account_id == account_id))
    if found is None:
        raise NotFound()
    return found


async def update_keyword(session: AsyncSession, *, account_id: int, keyword_id: int,
                         keyword: str | None, whole_word: bool | None) -> FilterKeyword:
    await record(session, FiltersChanged(account_id))  # published only if this commits
    row = await get_keyword(session, account_id=account_id, keyword_id=keyword_id)
    if keyword is not None:
        row.keyword = _keyword(keyword)
    if whole_word is not None:
        row.whole_word = whole_word
    await session.flush()
    return row


async def delete_keyword(session: AsyncSession, *, account_id: int, keyword_id: int) -> None:
    await record(session, FiltersChanged(account_id))  # published only if this commits
    row = await get_keyword(session, account_id=account_id, keyword_id=keyword_id)
    await session.delete(row)
    await session.flush()


async def add_filter_status(session: AsyncSession, *, account_id: int, filter_id: int,
                            post_id: int) -> FilterStatus:
    """Filter one post the account can see (a repost stands for its original)."""
    await record(session, FiltersChanged(account_id))  # published only if this commits
    row = await get_filter(session, account_id=account_id, filter_id=filter_id)
    post = await get_proper_post(session, post_id, viewer_id=account_id)
    existing: FilterStatus | None = await session.scalar(select(FilterStatus).where(
        FilterStatus.filter_id == row.id, FilterStatus.post_id == post.id))
    if existing is not None:
        return existing
    if await _count(session, FilterStatus.filter_id == row.id) >= MAX_KEYWORDS:
        raise Invalid(f"Validation failed: a filter has at most {MAX_KEYWORDS} posts")
    added = FilterStatus(id=new_id(), filter_id=row.id, post_id=post.id, created_at=utcnow())
    try:
        async with session.begin_nested():
            session.add(added)
    except IntegrityError:
        raise Invalid("Validation failed: this post is already in the filter")
    return added


async def get_filter_status(session: AsyncSession, *, account_id: int, status_id: int
                            ) -> FilterStatus:
    found: FilterStatus | None = await session.scalar(
        select(FilterStatus).join(Filter, Filter.id == FilterStatus.filter_id)
        .where(FilterStatus.id == status_id, Filter.account_id == account_id))
    if found is None:
        raise NotFound()
    return found


async def delete_filter_status(session: AsyncSession, *, account_id: int, status_id: int
                               ) -> FilterStatus:
    """Remove a post from its filter; returns what was removed."""
    await record(session, FiltersChanged(account_id))  # published only if this commits
    row = await get_filter_status(session, account_id=account_id, status_id=status_id)
    await session.delete(row)
    await session.flush()
    return row
