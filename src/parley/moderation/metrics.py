"""The dashboard's numbers (Mastodon's admin measures and dimensions): daily counts of new
users, interactions, posts and reports, and breakdowns by language and server. Posts, likes
and reposts are counted by id range (ids are time-ordered), never by scanning dates."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from parley.accounts.models import Account, User
from parley.errors import Invalid
from parley.lib.ids import lowest_id_at
from parley.moderation.models import Report
from parley.posts.models import Like, Post

MAX_DAYS = 366


@dataclass(frozen=True)
class Span:
    """Whole UTC days from `start` to `end`, both included."""

    start: date
    end: date

    @classmethod
    def of(cls, start: date, end: date) -> Span:
        if end < start or (end - start).days >= MAX_DAYS:
            raise Invalid(f"Validation failed: end_at must follow start_at, within {MAX_DAYS} "
                          "days")
        return cls(start, end)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def previous(self) -> Span:
        length = (self.end - self.start).days + 1
        return Span(self.start - timedelta(days=length), self.start - timedelta(days=1))


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


# (session, start, end, domain: the server a per-server measure asks about; None: this one)
Counter = Callable[[AsyncSession, datetime, datetime, str | None], Awaitable[int]]


async def _new_users(session: AsyncSession, start: datetime, end: datetime,
                     _domain: str | None) -> int:
    return await session.scalar(select(func.count()).select_from(User).where(
        User.created_at >= start, User.created_at < end)) or 0


def _local_posts(start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    return [Post.id >= lowest_id_at(start), Post.id < lowest_id_at(end), Post.domain.is_(None)]


async def _server_posts(session: AsyncSession, start: datetime, end: datetime,
                        domain: str | None) -> int:
    origin = Post.domain.is_(None) if domain is None else Post.domain == domain
    return await session.scalar(select(func.count()).select_from(Post).where(
        Post.id >= lowest_id_at(start), Post.id < lowest_id_at(end), origin)) or 0


async def _interactions(session: AsyncSession, start: datetime, end: datetime,
                        _domain: str | None) -> int:
    """Likes, reposts and replies made by local accounts (Mastodon counts those received)."""
    likes = await session.scalar(select(func.count()).select_from(Like).join(
        Account, Account.id == Like.account_id).where(
        Like.id >= lowest_id_at(start), Like.id < lowest_id_at(end),
        Account.domain.is_(None))) or 0
    posts = await session.scalar(select(func.count()).select_from(Post).where(
        *_local_posts(start, end),
        (Post.repost_of_id.is_not(None)) | (Post.in_reply_to_id.is_not(None)))) or 0
    return likes + posts


async def _opened_reports(session: AsyncSession, start: datetime, end: datetime,
                          _domain: str | None) -> int:
    return await session.scalar(select(func.count()).select_from(Report).where(
        Report.created_at >= start, Report.created_at < end)) or 0


async def _resolved_reports(session: AsyncSession, start: datetime, end: datetime,
                            _domain: str | None) -> int:
    return await session.scalar(select(func.count()).select_from(Report).where(
        Report.action_taken_at >= start, Report.action_taken_at < end)) or 0


MEASURES: dict[str, Counter] = {
    "new_users": _new_users,
    "interactions": _interactions,
    "opened_reports": _opened_reports,
    "resolved_reports": _resolved_reports,
    # A server's posts (reposts included, as Mastodon counts statuses); this one's when
    # the domain asked about is ours.
    "instance_statuses": _server_posts,
}


@dataclass(frozen=True)
class Measure:
    key: str
    total: int
    previous_total: int
    daily: list[tuple[date, int]]


async def measures(session: AsyncSession, keys: list[str], span: Span,
                   domains: dict[str, str | None]) -> list[Measure]:
    """The known keys among `keys` (others are ignored, as Mastodon does); `domains`: the
    server each per-server key asks about (None: this one)."""
    found = []
    for key in dict.fromkeys(keys):
        counter = MEASURES.get(key)
        if counter is None:
            continue
        domain = domains.get(key)
        daily = [(day, await counter(session, midnight(day), midnight(day + timedelta(days=1)),
                                     domain)) for day in span.days()]
        before = span.previous()
        previous = await counter(session, midnight(before.start),
                                 midnight(before.end + timedelta(days=1)), domain)
        found.append(Measure(key, sum(value for _, value in daily), previous, daily))
    return found


@dataclass(frozen=True)
class Dimension:
    key: str
    data: list[tuple[str, str, int]]  # key, human_key, value


async def _languages(session: AsyncSession, span: Span, limit: int) -> list[tuple[str, str, int]]:
    start, end = midnight(span.start), midnight(span.end + timedelta(days=1))
    rows = (await session.execute(
        select(Post.language, func.count()).where(*_local_posts(start, end),
                                                  Post.language.is_not(None))
        .group_by(Post.language).order_by(func.count().desc()).limit(limit))).all()
    return [(str(language), str(language), int(count)) for language, count in rows]


async def _servers(session: AsyncSession, span: Span, limit: int) -> list[tuple[str, str, int]]:
    start, end = midnight(span.start), midnight(span.end + timedelta(days=1))
    rows = (await session.execute(
        select(Post.domain, func.count()).where(
            Post.id >= lowest_id_at(start), Post.id < lowest_id_at(end),
            Post.domain.is_not(None))
        .group_by(Post.domain).order_by(func.count().desc()).limit(limit))).all()
    return [(str(domain), str(domain), int(count)) for domain, count in rows]


DIMENSIONS = {"languages": _languages, "servers": _servers}


async def dimensions(session: AsyncSession, keys: list[str], span: Span, limit: int,
                     extra: dict[str, list[tuple[str, str, int]]]) -> list[Dimension]:
    """The known keys among `keys`; `extra` holds the ones the caller knows (versions)."""
    found = []
    for key in dict.fromkeys(keys):
        if key in DIMENSIONS:
            found.append(Dimension(key, await DIMENSIONS[key](session, span, limit)))
        elif key in extra:
            found.append(Dimension(key, extra[key][:limit]))
    return found
