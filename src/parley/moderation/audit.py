"""The audit log: every moderation action is recorded here, in the acting transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.lib.ids import new_id
from parley.lib.paging import Page
from parley.lib.timefmt import utcnow
from parley.moderation.models import AdminAction


async def log_action(session: AsyncSession, *, actor_id: int, action: str, target_type: str,
                     target_id: int | str, label: str = "", text: str = "") -> AdminAction:
    """Record that `actor_id` did `action` to a target (its label kept as it reads now)."""
    entry = AdminAction(id=new_id(), account_id=actor_id, action=action,
                        target_type=target_type, target_id=str(target_id),
                        target_label=label[:320], text=text, created_at=utcnow())
    session.add(entry)
    await session.flush()
    return entry


async def list_actions(session: AsyncSession, page: Page) -> list[AdminAction]:
    """The log, newest first."""
    rows = (await session.scalars(page.apply(select(AdminAction), AdminAction.id))).all()
    return page.arrange(rows)
