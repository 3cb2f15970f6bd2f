"""Blocks, mutes and domain blocks: making and undoing them, and listing the viewer's own."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.errors import Forbidden, Invalid
from parley.events import record
from parley.events.social import Blocked, ExclusionsChanged, Unblocked
from parley.lib.ids import new_id
from parley.lib.paging import Page
from parley.lib.timefmt import utcnow
from parley.social.models import Block, DomainBlock, Follow, Mute
from parley.social.service import unfollow
from parley.store.database import off_loop

# A host name as people type it: labels of letters, digits and hyphens (IDN after encoding).
_HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*"
                      r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# Mutes longer than this are simply indefinite (and a timedelta cannot overflow).
MAX_MUTE_SECONDS = 100 * 365 * 24 * 3600


async def _insert_once(session: AsyncSession, row: Block | Mute | DomainBlock) -> bool:
    """Insert unless a unique constraint says it is there (a concurrent double click)."""
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


async def block(session: AsyncSession, *, actor: Account, target: Account) -> None:
    """Block `target`: follows and follow requests both ways end at once (with their
    counters and home timeline entries) and the actor's notifications from the target go,
    as in Mastodon; blocking again changes nothing."""
    if actor.id == target.id:
        raise Forbidden("You cannot block yourself")
    existing = await session.scalar(select(Block.id).where(
        Block.account_id == actor.id, Block.target_account_id == target.id))
    if existing is None:
        await _insert_once(session, Block(id=new_id(), account_id=actor.id,
                                          target_account_id=target.id, created_at=utcnow()))
    await unfollow(session, actor=actor, target=target)
    await unfollow(session, actor=target, target=actor)
    await record(session, Blocked(actor.id, target.id))
    await session.flush()
    await record(session, ExclusionsChanged((actor.id, target.id)))


async def unblock(session: AsyncSession, *, actor: Account, target: Account) -> None:
    """Lift a block (a no-op when there is none); follows do not come back."""
    block_id = await session.scalar(select(Block.id).where(
        Block.account_id == actor.id, Block.target_account_id == target.id))
    if block_id is not None:
        await session.execute(delete(Block).where(Block.id == block_id))
        await record(session, Unblocked(actor.id, target.id, block_id))
    await record(session, ExclusionsChanged((actor.id, target.id)))


def _mute_expiry(duration: int) -> datetime | None:
    if duration < 0:
        raise Invalid("Validation failed: duration must be 0 (indefinite) or more seconds")
    if duration == 0 or duration > MAX_MUTE_SECONDS:
        return None
    return utcnow() + timedelta(seconds=duration)


async def mute(session: AsyncSession, *, actor: Account, target: Account,
               notifications: bool = True, duration: int = 0) -> None:
    """Mute `target` for `duration` seconds (0: until unmuted); muting again replaces the
    earlier mute's options and expiry. Follows stay."""
    if actor.id == target.id:
        raise Forbidden("You cannot mute yourself")
    expires_at = _mute_expiry(duration)
    existing: Mute | None = await session.scalar(select(Mute).where(
        Mute.account_id == actor.id, Mute.target_account_id == target.id))
    if existing is None:
        row = Mute(id=new_id(), account_id=actor.id, target_account_id=target.id,
                   notifications=notifications, expires_at=expires_at, created_at=utcnow())
        if await _insert_once(session, row):
            await record(session, ExclusionsChanged((actor.id,)))
            return
        existing = await session.scalar(select(Mute).where(
            Mute.account_id == actor.id, Mute.target_account_id == target.id))
        if existing is None:
            raise Invalid("Could not mute this account")
    existing.notifications = notifications
    existing.expires_at = expires_at
    await session.flush()
    await record(session, ExclusionsChanged((actor.id,)))


async def unmute(session: AsyncSession, *, actor: Account, target: Account) -> None:
    await session.execute(delete(Mute).where(Mute.account_id == actor.id,
                                             Mute.target_account_id == target.id))
    await record(session, ExclusionsChanged((actor.id,)))


def normalise_domain(raw: str, *, own_domain: str) -> str:
    """The lower-case host of what someone typed ("Example.COM", "https://example.com/x");
    Invalid for anything that is not a remote host name."""
    text = raw.strip().lower()
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text).split("/", 1)[0]
    text = text.rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".")
    try:
        text = text.encode("idna").decode("ascii")
    except UnicodeError:
        raise Invalid("Validation failed: domain is not a valid host name")
    if not _HOST_RE.match(text) or "." not in text:
        raise Invalid("Validation failed: domain is not a valid host name")
    if text == own_domain.lower().split(":", 1)[0]:
        raise Invalid("Validation failed: you cannot block this server's own domain")
    return text


async def block_domain(session: AsyncSession, *, actor: Account, domain: str) -> None:
    """Hide a whole domain (already normalised): its posts and notifications disappear for
    the actor, and its accounts stop following the actor (requests included)."""
    existing = await session.scalar(select(DomainBlock.id).where(
        DomainBlock.account_id == actor.id, DomainBlock.domain == domain))
    if existing is None:
        await _insert_once(session, DomainBlock(id=new_id(), account_id=actor.id,
                                                domain=domain, created_at=utcnow()))
    with off_loop():  # a scan of all the actor's followers: not in the event loop's thread
        followers = await session.scalars(
            select(Account).join(Follow, Follow.account_id == Account.id)
            .where(Follow.target_account_id == actor.id, Account.domain == domain))
    for follower in followers.all():
        await unfollow(session, actor=follower, target=actor)
    await session.flush()
    await record(session, ExclusionsChanged((actor.id,)))


async def unblock_domain(session: AsyncSession, *, actor: Account, domain: str) -> None:
    await session.execute(delete(DomainBlock).where(DomainBlock.account_id == actor.id,
                                                    DomainBlock.domain == domain))
    await record(session, ExclusionsChanged((actor.id,)))


async def blocked_accounts(session: AsyncSession, *, viewer_id: int, page: Page
                           ) -> list[tuple[int, Account]]:
    """(block id, account) the viewer blocks, newest first; the block id pages the list."""
    stmt = (select(Block.id, Account).join(Account, Account.id == Block.target_account_id)
            .where(Block.account_id == viewer_id))
    rows = (await session.execute(page.apply(stmt, Block.id))).tuples().all()
    return page.arrange(rows)


async def muted_accounts(session: AsyncSession, *, viewer_id: int, page: Page
                         ) -> list[tuple[Mute, Account]]:
    """(mute, account) the viewer mutes now, newest first; the mute id pages the list."""
    stmt = (select(Mute, Account).join(Account, Account.id == Mute.target_account_id)
            .where(Mute.account_id == viewer_id,
                   or_(Mute.expires_at.is_(None), Mute.expires_at > utcnow())))
    rows = (await session.execute(page.apply(stmt, Mute.id))).tuples().all()
    return page.arrange(rows)


async def blocked_domains(session: AsyncSession, *, viewer_id: int, page: Page
                          ) -> list[tuple[int, str]]:
    """(domain block id, domain) newest first; the id pages the list."""
    stmt = select(DomainBlock.id, DomainBlock.domain).where(DomainBlock.account_id == viewer_id)
    rows = (await session.execute(page.apply(stmt, DomainBlock.id))).tuples().all()
    return page.arrange(rows)
