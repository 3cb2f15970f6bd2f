"""Follow services: follow, unfollow, follow requests, and relationships between accounts.

What a follow's beginning or end means elsewhere (notifications, home timelines, lists,
endorsements) is the subscribers' of FollowRequested, FollowAccepted and FollowEnded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.errors import Forbidden, Invalid, NotFound
from parley.events import record
from parley.events.social import (
    FollowAccepted,
    FollowEnded,
    FollowRequested,
    FollowRequestWithdrawn,
)
from parley.lib.ids import new_id
from parley.lib.paging import Page
from parley.lib.timefmt import utcnow
from parley.social.exclusions import blocked_either, fill_exclusions
from parley.social.models import FOLLOW_SOURCES, Follow


async def _shift_follow_counters(session: AsyncSession, follower_id: int, target_id: int,
                                 delta: int) -> None:
    """Keep following/followers counters right in the same transaction as the follow."""
    await session.execute(update(Account).where(Account.id == follower_id)
                          .values(following_count=Account.following_count + delta))
    await session.execute(update(Account).where(Account.id == target_id)
                          .values(followers_count=Account.followers_count + delta))


async def find_follow(session: AsyncSession, follower_id: int, target_id: int) -> Follow | None:
    follow: Follow | None = await session.scalar(select(Follow).where(
        Follow.account_id == follower_id, Follow.target_account_id == target_id))
    return follow


async def _accept(session: AsyncSession, follow: Follow, *, requested: bool) -> None:
    follow.state = "accepted"
    follow.accepted_at = utcnow()
    await _shift_follow_counters(session, follow.account_id, follow.target_account_id, +1)
    await record(session, FollowAccepted(follow.account_id, follow.target_account_id,
                                         requested=requested))


@dataclass
class FollowOptions:
    """What the follower chose; `source` records how they found the account."""

    show_reposts: bool | None = None
    notify: bool | None = None
    source: str = "api"
    source_post_id: int | None = None
    # The follow's ActivityPub id, when another server made it (its Follow activity's id).
    uri: str | None = None
    # Accepted without asking a locked target: a move to it (its owner named the old
    # account among its aliases, asking for these followers).
    approved: bool = False


async def follow(session: AsyncSession, *, actor: Account, target: Account,
                 options: FollowOptions) -> Follow:
    """Follow `target`, or ask to when it is locked; following again only updates options."""
    if actor.id == target.id:
        raise Forbidden("You cannot follow yourself")
    if await blocked_either(session, actor.id, target.id):
        raise Forbidden("You cannot follow this account")
    if options.source not in FOLLOW_SOURCES:
        raise Invalid(f"Validation failed: source must be one of {', '.join(FOLLOW_SOURCES)}")
    existing = await find_follow(session, actor.id, target.id)
    if existing is not None:
        if options.show_reposts is not None:
            existing.show_reposts = options.show_reposts
        if options.notify is not None:
            existing.notify = options.notify
        await session.flush()
        return existing
    row = Follow(id=new_id(), account_id=actor.id, target_account_id=target.id,
                 state="pending", source=options.source, source_post_id=options.source_post_id,
                 show_reposts=True if options.show_reposts is None else options.show_reposts,
                 notify=bool(options.notify), uri=options.uri)
    session.add(row)
    await session.flush()
    if (target.locked and not options.approved) or target.domain is not None:
        # a remote account's server answers; a locked account's owner decides
        await record(session, FollowRequested(actor.id, target.id))
    else:
        await _accept(session, row, requested=False)
    await session.flush()
    return row


async def unfollow(session: AsyncSession, *, actor: Account, target: Account,
                   by_target: bool = False) -> None:
    """Stop following (or withdraw a pending request); idempotent. `by_target`: the
    followed account ended it (removed a follower, declined a request)."""
    existing = await find_follow(session, actor.id, target.id)
    if existing is None:
        return
    # Deleted by id, counted only when this transaction deleted it: two unfollows at once
    # (a remote server's Undo and Block, handled side by side) count it once.
    gone = await session.execute(delete(Follow).where(Follow.id == existing.id))
    if not getattr(gone, "rowcount", 0):
        return
    if existing.state == "accepted":
        await _shift_follow_counters(session, actor.id, target.id, -1)
        await record(session, FollowEnded(actor.id, target.id, by_target=by_target,
                                          uri=existing.uri))
    else:
        await record(session, FollowRequestWithdrawn(actor.id, target.id, rejected=by_target,
                                                     uri=existing.uri))
    await session.flush()


async def authorize_request(session: AsyncSession, *, target: Account, requester_id: int
                            ) -> None:
    """A locked account accepts a pending request."""
    row = await find_follow(session, requester_id, target.id)
    if row is None or row.state != "pending":
        raise NotFound()
    await _accept(session, row, requested=True)
    await session.flush()


async def reject_request(session: AsyncSession, *, target: Account, requester_id: int) -> None:
    """A locked account declines a pending request."""
    row = await find_follow(session, requester_id, target.id)
    if row is None or row.state != "pending":
        raise NotFound()
    await session.delete(row)
    await session.flush()
    await record(session, FollowRequestWithdrawn(requester_id, target.id, rejected=True,
                                                 uri=row.uri))


@dataclass
class Relationship:
    """How the viewer and one other account stand: follows, blocks and mutes."""

    account_id: int
    following: bool = False
    requested: bool = False
    followed_by: bool = False
    requested_by: bool = False
    showing_reposts: bool = False
    notifying: bool = False
    blocking: bool = False
    blocked_by: bool = False
    muting: bool = False
    muting_notifications: bool = False
    domain_blocking: bool = False


async def relationships(session: AsyncSession, viewer_id: int, account_ids: Sequence[int]
                        ) -> list[Relationship]:
    """Relationships with many accounts in five queries, in the order asked (whether the
    viewer endorses them is featured's: featured.service.endorsed_among)."""
    wanted = list(dict.fromkeys(account_ids))
    outgoing = (await session.scalars(select(Follow).where(
        Follow.account_id == viewer_id, Follow.target_account_id.in_(wanted)))).all()
    incoming = (await session.scalars(select(Follow).where(
        Follow.target_account_id == viewer_id, Follow.account_id.in_(wanted)))).all()
    result = {account_id: Relationship(account_id) for account_id in wanted}
    for row in outgoing:
        rel = result[row.target_account_id]
        rel.following = row.state == "accepted"
        rel.requested = row.state == "pending"
        rel.showing_reposts = row.show_reposts and rel.following
        rel.notifying = row.notify and rel.following
    for row in incoming:
        rel = result[row.account_id]
        rel.followed_by = row.state == "accepted"
        rel.requested_by = row.state == "pending"
    await fill_exclusions(session, viewer_id, result)
    return [result[account_id] for account_id in wanted]


async def follow_page(session: AsyncSession, account_id: int, *, direction: str, page: Page,
                      state: str = "accepted") -> list[tuple[int, Account]]:
    """(follow id, account) pairs newest first: `followers` of, or accounts `following` by,
    `account_id`. The follow id is the page cursor, as in Mastodon."""
    if direction == "followers":
        other, mine = Follow.account_id, Follow.target_account_id
    else:
        other, mine = Follow.target_account_id, Follow.account_id
    stmt = (select(Follow.id, Account).join(Account, Account.id == other)
            .where(mine == account_id, Follow.state == state))
    rows = (await session.execute(page.apply(stmt, Follow.id))).all()
    return page.arrange([(row[0], row[1]) for row in rows])
