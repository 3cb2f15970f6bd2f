"""Instance statistics: counts for /api/v1/instance, weekly activity and nodeinfo.

Time ranges over posts, users and tokens use snowflake id bounds, so each count is a primary-key
range scan rather than a scan of a created_at column.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, distinct, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from parley.accounts.models import Account, User
from parley.lib.ids import lowest_id_at
from parley.lib.timefmt import utcnow
from parley.oauth.models import AccessToken
from parley.posts.models import Post

ACTIVITY_WEEKS = 12


@dataclass
class InstanceStats:
    """Totals shown in the instance entity and nodeinfo."""

    user_count: int
    status_count: int
    domain_count: int


@dataclass
class WeekActivity:
    """One week of /api/v1/instance/activity, starting Monday 00:00 UTC."""

    week: datetime
    posts: int
    logins: int
    registrations: int


async def instance_stats(session: AsyncSession) -> InstanceStats:
    """Active local users, local posts (reposts included, as Mastodon counts) and known
    remote domains."""
    users = await session.scalar(select(func.count()).select_from(User).where(
        User.approved.is_(True), User.disabled.is_(False)))
    posts = await session.scalar(select(func.count()).select_from(Post)
                                 .where(Post.domain.is_(None)))
    domains = await session.scalar(select(func.count(distinct(Account.domain)))
                                   .where(Account.domain.is_not(None)))
    return InstanceStats(user_count=users or 0, status_count=posts or 0,
                         domain_count=domains or 0)


async def active_users(session: AsyncSession, *, days: int) -> int:
    """Local accounts that posted or signed in to an app within the last `days` days."""
    since = utcnow() - timedelta(days=days)
    signed_in = exists(select(AccessToken.id).where(
        AccessToken.account_id == Account.id, AccessToken.id >= lowest_id_at(since)))
    count = await session.scalar(
        select(func.count()).select_from(Account).join(User, User.account_id == Account.id)
        .where(Account.domain.is_(None), or_(Account.last_post_at >= since, signed_in)))
    return count or 0


async def contact_account(session: AsyncSession) -> Account | None:
    """The first administrator, who speaks for the server."""
    result: Account | None = await session.scalar(
        select(Account).join(User, User.account_id == Account.id)
        .where(User.role.in_(("owner", "admin")), User.disabled.is_(False))
        .order_by(Account.id).limit(1))
    return result


def week_starts(now: datetime, weeks: int = ACTIVITY_WEEKS) -> list[datetime]:
    """Mondays at midnight UTC, newest first, the current week included."""
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0,
                                                            microsecond=0)
    return [monday - timedelta(weeks=n) for n in range(weeks)]


def _bucket_counts(column: InstrumentedAttribute[int], bounds: list[tuple[int, int]],
                   value: Any = None) -> list[Any]:
    """One aggregate per week: rows in range, or distinct `value`s in range when given."""
    if value is None:
        return [func.sum(case((and_(column >= low, column < high), 1), else_=0))
                for low, high in bounds]
    return [func.count(distinct(case((and_(column >= low, column < high), value), else_=None)))
            for low, high in bounds]


async def weekly_activity(session: AsyncSession, *, now: datetime | None = None
                          ) -> list[WeekActivity]:
    """Local posts, sign-ins (accounts that got a token) and registrations per week."""
    starts = week_starts(now or utcnow())
    bounds = [(lowest_id_at(start), lowest_id_at(start + timedelta(weeks=1)))
              for start in starts]
    oldest = bounds[-1][0]
    posts = (await session.execute(select(*_bucket_counts(Post.id, bounds))
                                   .where(Post.domain.is_(None), Post.id >= oldest))).one()
    logins = (await session.execute(
        select(*_bucket_counts(AccessToken.id, bounds, AccessToken.account_id))
        .where(AccessToken.account_id.is_not(None), AccessToken.id >= oldest))).one()
    signups = (await session.execute(select(*_bucket_counts(User.account_id, bounds))
                                     .where(User.account_id >= oldest))).one()
    return [WeekActivity(week=start, posts=int(posts[i] or 0), logins=int(logins[i] or 0),
                         registrations=int(signups[i] or 0))
            for i, start in enumerate(starts)]
