"""What an account's move means between accounts here (Mastodon's MoveWorker): each local
follower of the old account follows the new one, with the same choices (reposts,
notifications, how they found it), and stops following the old one; then local blocks and
mutes of the old account are carried over to the new one (unless its blocker or muter
already follows, blocks or mutes it). A batch per job, in row order, phase after phase. A
follower who may not follow the new account (a block either way) keeps the old follow. No
notification tells followers (Mastodon has no such type): clients show the old account's
`moved`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.errors import Forbidden
from parley.events import Subscriber
from parley.events.social import AccountMoved
from parley.jobs.queue import PRIORITY_BULK, enqueue
from parley.jobs.registry import JobContext, JobKind
from parley.lib.timefmt import as_utc, utcnow
from parley.social.blocks import block, mute
from parley.social.models import Block, Follow, Mute
from parley.social.service import FollowOptions, follow, unfollow

BATCH = 100  # rows (follows, blocks, mutes) handled per job
PHASES = ("follows", "blocks", "mutes")


@dataclass(frozen=True)
class MovingFollowers:
    """What of `old_id`'s is still to move to `new_id`: the rows of `phase` whose id is
    above `after_id`, then the later phases."""

    old_id: int
    new_id: int
    phase: str = PHASES[0]
    after_id: int = 0


async def _moved(session: AsyncSession, event: AccountMoved) -> None:
    await enqueue(session, MOVE_FOLLOWERS, MovingFollowers(event.account_id, event.target_id),
                  priority=PRIORITY_BULK)


async def _move_follows(session: AsyncSession, old: Account, new: Account, after_id: int
                        ) -> int | None:
    """Move a batch of local followers; the last follow's id when the batch was full."""
    rows = (await session.execute(
        select(Follow.id, Follow.account_id, Follow.show_reposts, Follow.notify, Follow.source,
               Follow.source_post_id)
        .join(Account, Account.id == Follow.account_id)
        .where(Follow.target_account_id == old.id, Follow.state == "accepted",
               Account.domain.is_(None), Follow.id > after_id)
        .order_by(Follow.id).limit(BATCH))).all()
    for row in rows:
        follower = await session.get(Account, row.account_id)
        if follower is None or follower.id == new.id:
            continue
        options = FollowOptions(show_reposts=row.show_reposts, notify=row.notify,
                                source=row.source, source_post_id=row.source_post_id,
                                approved=new.is_local)
        try:
            await follow(session, actor=follower, target=new, options=options)
        except Forbidden:
            continue  # a block between them: the old follow stays, as in Mastodon
        await unfollow(session, actor=follower, target=old)
    return rows[-1].id if len(rows) == BATCH else None


async def _spared(session: AsyncSession, account_id: int, new_id: int,
                  model: type[Block] | type[Mute]) -> bool:
    """Whether the account already blocks (or mutes) the new account, or follows it: then
    its block (or mute) of the old one is not carried over."""
    if account_id == new_id or await session.scalar(select(model.id).where(
            model.account_id == account_id, model.target_account_id == new_id)) is not None:
        return True
    return await session.scalar(select(Follow.id).where(
        Follow.account_id == account_id, Follow.target_account_id == new_id,
        Follow.state == "accepted")) is not None


async def _carry_blocks(session: AsyncSession, old: Account, new: Account, after_id: int
                        ) -> int | None:
    rows = (await session.execute(
        select(Block.id, Block.account_id).join(Account, Account.id == Block.account_id)
        .where(Block.target_account_id == old.id, Account.domain.is_(None),
               Block.id > after_id).order_by(Block.id).limit(BATCH))).all()
    for row in rows:
        blocker = await session.get(Account, row.account_id)
        if blocker is not None and not await _spared(session, blocker.id, new.id, Block):
            await block(session, actor=blocker, target=new)
    return rows[-1].id if len(rows) == BATCH else None


def _seconds_left(expires_at: datetime | None) -> int | None:
    """A mute's time left, in seconds (0: no end); None when it has ended."""
    if expires_at is None:
        return 0
    left = int((as_utc(expires_at) - utcnow()).total_seconds())
    return left if left > 0 else None


async def _carry_mutes(session: AsyncSession, old: Account, new: Account, after_id: int
                       ) -> int | None:
    rows = (await session.execute(
        select(Mute.id, Mute.account_id, Mute.notifications, Mute.expires_at)
        .join(Account, Account.id == Mute.account_id)
        .where(Mute.target_account_id == old.id, Account.domain.is_(None),
               Mute.id > after_id).order_by(Mute.id).limit(BATCH))).all()
    for row in rows:
        muter = await session.get(Account, row.account_id)
        left = _seconds_left(row.expires_at)
        if muter is not None and left is not None \
                and not await _spared(session, muter.id, new.id, Mute):
            await mute(session, actor=muter, target=new, notifications=row.notifications,
                       duration=left)
    return rows[-1].id if len(rows) == BATCH else None


Step = Callable[[AsyncSession, Account, Account, int], Awaitable[int | None]]
_STEPS: dict[str, Step] = {"follows": _move_follows, "blocks": _carry_blocks,
                           "mutes": _carry_mutes}


async def _move_batch(ctx: JobContext, job: MovingFollowers) -> None:
    session = ctx.session
    old = await session.get(Account, job.old_id)
    new = await session.get(Account, job.new_id)
    step = _STEPS.get(job.phase)
    if old is None or new is None or old.moved_to_account_id != new.id or step is None:
        return  # gone, or moved elsewhere since: that move's job moves them
    last = await step(session, old, new, job.after_id)
    if last is not None:
        following = replace(job, after_id=last)
    elif job.phase != PHASES[-1]:
        following = replace(job, phase=PHASES[PHASES.index(job.phase) + 1], after_id=0)
    else:
        return
    await enqueue(session, MOVE_FOLLOWERS, following, priority=PRIORITY_BULK)


MOVE_FOLLOWERS = JobKind("social.move_followers", MovingFollowers, _move_batch)
JOBS = (MOVE_FOLLOWERS,)
SUBSCRIBERS = (Subscriber(AccountMoved, _moved),)
