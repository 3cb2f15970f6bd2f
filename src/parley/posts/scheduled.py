"""Scheduled posts (Mastodon's ScheduledStatus): a post's compose parameters kept until its
time, then published by a job through the same compose path as any post."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.config import Settings
from parley.errors import Invalid, NotFound, ParleyError
from parley.jobs.queue import enqueue
from parley.jobs.registry import JobContext, JobKind
from parley.lib.ids import new_id
from parley.lib.paging import Page
from parley.lib.timefmt import as_utc, utcnow
from parley.polls.rules import poll_spec
from parley.posts.compose import Author, Draft, create_post, validate_draft
from parley.posts.media import chosen_media
from parley.posts.models import ScheduledPost
from parley.posts.quotes import policy_for

log = logging.getLogger("parley.posts")

# Mastodon's rules: at least five minutes ahead, 300 waiting, 25 for any one day.
MIN_LEAD = timedelta(minutes=5)
# The last moment a post may be kept for: the day's limits count from midnight to midnight,
# which past this would leave the calendar (year 9999).
LAST_MOMENT = datetime.max.replace(tzinfo=UTC) - timedelta(days=2)
MAX_WAITING = 300
MAX_PER_DAY = 25
# A job that finds its post due this soon publishes it (clocks of processes differ a little).
_DUE_SLACK = timedelta(seconds=1)


def parse_scheduled_at(raw: str) -> datetime:
    """An ISO 8601 moment (UTC when it names no zone); Invalid when it is not one, with the
    words Mastodon answers (its ArgumentError becomes a bare RecordInvalid), which clients
    compare."""
    try:
        moment = datetime.fromisoformat(raw.strip())
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):  # not a time, or in UTC past the calendar's ends
        raise Invalid("Record invalid") from None


def is_past(when: datetime) -> bool:
    """A post scheduled for a moment already gone is posted at once, as Mastodon does."""
    return when <= utcnow()


async def _check_time(session: AsyncSession, account_id: int, when: datetime, *,
                      other_than: int | None = None) -> None:
    if when < utcnow() + MIN_LEAD:
        raise Invalid("Validation failed: Scheduled at The scheduled date must be in the "
                      "future")
    if when > LAST_MOMENT:
        raise Invalid("Validation failed: Scheduled at The scheduled date is too far away")
    day = when.replace(hour=0, minute=0, second=0, microsecond=0)
    on_that_day = and_(ScheduledPost.scheduled_at >= day,
                       ScheduledPost.scheduled_at < day + timedelta(days=1))
    counts = (await session.execute(
        select(func.count(), func.coalesce(func.sum(case((on_that_day, 1), else_=0)), 0))
        .where(ScheduledPost.account_id == account_id,
               ScheduledPost.id != (other_than or 0)))).one()
    waiting, that_day = int(counts[0]), int(counts[1])
    if waiting >= MAX_WAITING:
        raise Invalid("Validation failed: Scheduled at You have exceeded the limit of "
                      f"{MAX_WAITING} scheduled statuses")
    if that_day >= MAX_PER_DAY:
        raise Invalid("Validation failed: Scheduled at You have exceeded the limit of "
                      f"{MAX_PER_DAY} scheduled statuses for today")


def _params(draft: Draft, visibility: str, language: str | None, quote_policy: str
            ) -> dict[str, Any]:
    """What publishing needs, in the shape of Mastodon's ScheduledStatus params."""
    return {"text": draft.text, "spoiler_text": draft.spoiler_text, "visibility": visibility,
            "sensitive": draft.sensitive, "language": language,
            "in_reply_to_id": draft.in_reply_to_id, "quoted_status_id": draft.quote_of_id,
            "quote_approval_policy": quote_policy,
            "application_id": draft.application_id, "idempotency": None,
            "scheduled_at": None, "with_rate_limit": False,
            "poll": draft.poll.as_params() if draft.poll is not None else None,
            "media_ids": [str(media_id) for media_id in draft.media_ids] or None}


def _draft_of(params: dict[str, Any], settings: Settings) -> Draft:
    def optional_id(key: str) -> int | None:
        value = params.get(key)
        return int(value) if value is not None else None

    return Draft(text=str(params.get("text") or ""),
                 spoiler_text=str(params.get("spoiler_text") or ""),
                 visibility=params.get("visibility"), sensitive=params.get("sensitive"),
                 language=params.get("language"), in_reply_to_id=optional_id("in_reply_to_id"),
                 quote_of_id=optional_id("quoted_status_id"),
                 quote_policy=params.get("quote_approval_policy"),
                 application_id=optional_id("application_id"),
                 poll=poll_spec(params.get("poll"), max_options=settings.poll_max_options),
                 media_ids=tuple(int(i) for i in params.get("media_ids") or ()))


async def _enqueue(session: AsyncSession, scheduled: ScheduledPost) -> None:
    await enqueue(session, PUBLISH_SCHEDULED, Scheduled(scheduled.id),
                  run_at=as_utc(scheduled.scheduled_at))


async def schedule(session: AsyncSession, *, settings: Settings, author: Author, draft: Draft,
                   when: datetime) -> ScheduledPost:
    """Keep a post for `when`: validated now as it would be posted (text, visibility,
    language), and within the time and count limits."""
    visibility, language = validate_draft(draft, author, settings)
    policy = policy_for(draft.quote_policy, visibility, author.default_quote_policy)
    # Checked now as for a post now; attached when it is published (by then an upload
    # taken by another post, or removed, makes it dropped, as Mastodon does).
    await chosen_media(session, account_id=author.id, media_ids=draft.media_ids)
    await _check_time(session, author.id, when)
    scheduled = ScheduledPost(id=new_id(), account_id=author.id, scheduled_at=when,
                              params=_params(draft, visibility, language, policy))
    session.add(scheduled)
    await session.flush()
    await _enqueue(session, scheduled)
    return scheduled


async def scheduled_posts(session: AsyncSession, *, account_id: int, page: Page
                          ) -> list[ScheduledPost]:
    """The account's waiting posts, newest first."""
    stmt = select(ScheduledPost).where(ScheduledPost.account_id == account_id)
    return page.arrange((await session.scalars(page.apply(stmt, ScheduledPost.id))).all())


async def soonest_first(session: AsyncSession, *, account_id: int) -> list[ScheduledPost]:
    """All the account's waiting posts (at most MAX_WAITING), the soonest first."""
    stmt = (select(ScheduledPost).where(ScheduledPost.account_id == account_id)
            .order_by(ScheduledPost.scheduled_at, ScheduledPost.id))
    return list((await session.scalars(stmt)).all())


async def get_scheduled(session: AsyncSession, *, account_id: int, scheduled_id: int
                        ) -> ScheduledPost:
    """One of the account's waiting posts; another account's is not found."""
    scheduled = await session.get(ScheduledPost, scheduled_id)
    if scheduled is None or scheduled.account_id != account_id:
        raise NotFound()
    return scheduled


async def reschedule(session: AsyncSession, *, account_id: int, scheduled_id: int,
                     when: datetime) -> ScheduledPost:
    """Move a waiting post to `when`; the job queued for the old time finds it not due."""
    scheduled = await get_scheduled(session, account_id=account_id, scheduled_id=scheduled_id)
    await _check_time(session, account_id, when, other_than=scheduled.id)
    scheduled.scheduled_at = when
    await session.flush()
    await _enqueue(session, scheduled)
    return scheduled


async def cancel(session: AsyncSession, *, account_id: int, scheduled_id: int) -> None:
    scheduled = await get_scheduled(session, account_id=account_id, scheduled_id=scheduled_id)
    await session.execute(delete(ScheduledPost).where(ScheduledPost.id == scheduled.id))


@dataclass(frozen=True)
class Scheduled:
    """The scheduled post whose time has come."""

    id: int


async def publish_scheduled(ctx: JobContext, payload: Scheduled) -> None:
    """Post a scheduled post whose time has come, as its author. One that can no longer be
    posted (its reply target gone, its author's limits changed) is dropped, as Mastodon
    does, with nothing half-written."""
    session = ctx.session
    scheduled = await session.get(ScheduledPost, payload.id)
    if scheduled is None or as_utc(scheduled.scheduled_at) > utcnow() + _DUE_SLACK:
        return  # cancelled, or moved later (a job for the new time is queued)
    author = await session.get(Account, scheduled.account_id)
    await session.execute(delete(ScheduledPost).where(ScheduledPost.id == scheduled.id))
    if author is None:
        return
    try:
        async with session.begin_nested():
            await create_post(session, settings=ctx.settings, author=author,
                              draft=_draft_of(scheduled.params, ctx.settings))
    except ParleyError as error:
        log.info("scheduled post %s dropped: %s", scheduled.id, error.message)


PUBLISH_SCHEDULED = JobKind("publish_scheduled", Scheduled, publish_scheduled)
JOBS = (PUBLISH_SCHEDULED,)
