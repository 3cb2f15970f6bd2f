"""Announcement services: the staff's side (create, edit, delete; the admin pages and API
call these) and each user's (the active ones, dismissing, reacting)."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from parley.announcements.models import (
    Announcement,
    AnnouncementDismissal,
    AnnouncementReaction,
)
from parley.errors import Invalid, NotFound
from parley.lib.html import plain_to_html
from parley.lib.ids import new_id
from parley.lib.timefmt import utcnow

MAX_REACTIONS = 8  # distinct emoji per announcement, as Mastodon allows
MAX_NAME = 64


@dataclass
class AnnouncementDraft:
    """What the staff write; None leaves a value as it is (on edit)."""

    text: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    all_day: bool | None = None
    published: bool | None = None


def _apply(row: Announcement, draft: AnnouncementDraft) -> None:
    if draft.text is not None:
        if not draft.text.strip():
            raise Invalid("Validation failed: Text can't be blank")
        row.text, row.content = draft.text, plain_to_html(draft.text)
    if draft.starts_at is not None:
        row.starts_at = draft.starts_at
    if draft.ends_at is not None:
        row.ends_at = draft.ends_at
    if row.starts_at and row.ends_at and row.ends_at < row.starts_at:
        raise Invalid("Validation failed: Ends at must be after the start")
    if draft.all_day is not None:
        row.all_day = draft.all_day
    if draft.published is not None:
        row.published = draft.published
        if draft.published and row.published_at is None:
            row.published_at = utcnow()
    row.updated_at = utcnow()


async def create_announcement(session: AsyncSession, draft: AnnouncementDraft
                              ) -> Announcement:
    """A new announcement, published unless the draft says otherwise."""
    row = Announcement(id=new_id(), text="", content="", all_day=False, published=False,
                       created_at=utcnow())
    if draft.published is None:
        draft.published = True
    if draft.text is None:
        raise Invalid("Validation failed: Text can't be blank")
    _apply(row, draft)
    session.add(row)
    await session.flush()
    return row


async def all_announcements(session: AsyncSession) -> list[Announcement]:
    """Every announcement, drafts and past ones too, newest first (the staff's list)."""
    return list((await session.scalars(
        select(Announcement).order_by(Announcement.id.desc()))).all())


async def get_announcement(session: AsyncSession, announcement_id: int) -> Announcement:
    row = await session.get(Announcement, announcement_id)
    if row is None:
        raise NotFound()
    return row


async def update_announcement(session: AsyncSession, announcement_id: int,
                              draft: AnnouncementDraft) -> Announcement:
    row = await get_announcement(session, announcement_id)
    _apply(row, draft)
    await session.flush()
    return row


async def delete_announcement(session: AsyncSession, announcement_id: int) -> None:
    row = await get_announcement(session, announcement_id)
    for table in (AnnouncementDismissal, AnnouncementReaction):
        await session.execute(delete(table).where(table.announcement_id == row.id))
    await session.delete(row)
    await session.flush()


@dataclass
class Reaction:
    name: str
    count: int
    me: bool


@dataclass
class ShownAnnouncement:
    """An announcement as one user sees it: whether they read it, the reactions."""

    row: Announcement
    read: bool
    reactions: list[Reaction] = field(default_factory=list)


def _active(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (Announcement.published.is_(True),
            or_(Announcement.starts_at.is_(None), Announcement.starts_at <= now),
            or_(Announcement.ends_at.is_(None), Announcement.ends_at >= now))


async def active_announcements(session: AsyncSession, *, account_id: int,
                               with_dismissed: bool = False) -> list[ShownAnnouncement]:
    """The published announcements running now, oldest first (Mastodon's order), with the
    account's read flags and each one's reactions; three queries."""
    rows = list(await session.scalars(
        select(Announcement).where(*_active(utcnow()))
        .order_by(func.coalesce(Announcement.starts_at, Announcement.published_at,
                                Announcement.created_at), Announcement.id)))
    ids = [row.id for row in rows]
    read = set(await session.scalars(select(AnnouncementDismissal.announcement_id).where(
        AnnouncementDismissal.account_id == account_id,
        AnnouncementDismissal.announcement_id.in_(ids)))) if ids else set()
    shown = [ShownAnnouncement(row, row.id in read) for row in rows
             if with_dismissed or row.id not in read]
    reactions = await _reactions(session, [item.row.id for item in shown], account_id)
    for item in shown:
        item.reactions = reactions[item.row.id]
    return shown


async def _reactions(session: AsyncSession, ids: Sequence[int], account_id: int
                     ) -> dict[int, list[Reaction]]:
    found: dict[int, list[Reaction]] = defaultdict(list)
    if not ids:
        return found
    mine = func.max(case((AnnouncementReaction.account_id == account_id, 1), else_=0))
    for announcement_id, name, count, me in await session.execute(
            select(AnnouncementReaction.announcement_id, AnnouncementReaction.name,
                   func.count(), mine)
            .where(AnnouncementReaction.announcement_id.in_(ids))
            .group_by(AnnouncementReaction.announcement_id, AnnouncementReaction.name)
            .order_by(AnnouncementReaction.announcement_id, func.min(AnnouncementReaction.id))):
        found[announcement_id].append(Reaction(name, count, bool(me)))
    return found


async def _shown(session: AsyncSession, announcement_id: int) -> Announcement:
    """A published announcement (a draft is not found by users)."""
    row = await session.get(Announcement, announcement_id)
    if row is None or not row.published:
        raise NotFound()
    return row


async def dismiss(session: AsyncSession, *, account_id: int, announcement_id: int) -> None:
    """Mark the announcement read for the account; again changes nothing."""
    row = await _shown(session, announcement_id)
    try:
        async with session.begin_nested():
            session.add(AnnouncementDismissal(id=new_id(), account_id=account_id,
                                              announcement_id=row.id))
    except IntegrityError:
        pass  # already dismissed


def _emoji(name: str) -> str:
    """A Unicode emoji (Parley has no custom emoji): symbols only, no letters or digits."""
    name = name.strip()
    if not name or len(name) > MAX_NAME or any(
            unicodedata.category(char)[0] in "LNZC" and char not in "\u200d\ufe0f"
            for char in name):
        raise Invalid("Validation failed: Name is not a recognized emoji")
    return name


async def add_reaction(session: AsyncSession, *, account_id: int, announcement_id: int,
                       name: str) -> None:
    """React with an emoji; at most MAX_REACTIONS different ones per announcement."""
    row = await _shown(session, announcement_id)
    name = _emoji(name)
    names = set(await session.scalars(select(AnnouncementReaction.name).where(
        AnnouncementReaction.announcement_id == row.id).distinct()))
    if name not in names and len(names) >= MAX_REACTIONS:
        raise Invalid("Validation failed: Name Maximum number of different reactions reached")
    try:
        async with session.begin_nested():
            session.add(AnnouncementReaction(id=new_id(), account_id=account_id,
                                             announcement_id=row.id, name=name))
    except IntegrityError:
        pass  # already reacted with it


async def remove_reaction(session: AsyncSession, *, account_id: int, announcement_id: int,
                          name: str) -> None:
    row = await _shown(session, announcement_id)
    await session.execute(delete(AnnouncementReaction).where(
        AnnouncementReaction.account_id == account_id,
        AnnouncementReaction.announcement_id == row.id,
        AnnouncementReaction.name == name.strip()))
