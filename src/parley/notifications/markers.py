"""Read markers: where someone stopped reading home and notifications, synced across apps."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.lib.timefmt import utcnow
from parley.notifications.models import MARKER_TIMELINES, Marker


async def get_markers(session: AsyncSession, *, account_id: int, timelines: Iterable[str]
                      ) -> list[Marker]:
    """The account's markers for the known timelines asked for (unknown names are ignored)."""
    wanted = [name for name in dict.fromkeys(timelines) if name in MARKER_TIMELINES]
    if not wanted:
        return []
    rows = await session.scalars(select(Marker).where(Marker.account_id == account_id,
                                                      Marker.timeline.in_(wanted)))
    return sorted(rows, key=lambda marker: MARKER_TIMELINES.index(marker.timeline))


async def save_markers(session: AsyncSession, *, account_id: int,
                       positions: Mapping[str, int]) -> list[Marker]:
    """Move markers; each move of a marker counts one more version."""
    saved: list[Marker] = []
    for timeline, last_read_id in positions.items():
        if timeline not in MARKER_TIMELINES:
            continue
        marker = await session.get(Marker, (account_id, timeline))
        if marker is None:
            marker = Marker(account_id=account_id, timeline=timeline,
                            last_read_id=last_read_id, version=0, updated_at=utcnow())
            session.add(marker)
        elif marker.last_read_id != last_read_id:
            marker.last_read_id = last_read_id
            marker.version += 1
            marker.updated_at = utcnow()
        saved.append(marker)
    await session.flush()
    return saved


async def notifications_read_up_to(session: AsyncSession, *, account_id: int) -> int:
    """The id of the last notification read (0: none)."""
    last = await session.scalar(select(Marker.last_read_id).where(
        Marker.account_id == account_id, Marker.timeline == "notifications"))
    return int(last or 0)
