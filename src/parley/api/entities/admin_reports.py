"""The Report entities admin.report notifications carry, built for a page at once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.api.entities.reports import report_entity
from parley.config import Settings
from parley.moderation.models import Report


async def render_reports(session: AsyncSession, report_ids: Iterable[int | None],
                         settings: Settings) -> dict[int, dict[str, Any]]:
    """Report entities by id, in one query; reports that are gone are simply missing."""
    wanted = {report_id for report_id in report_ids if report_id is not None}
    if not wanted:
        return {}
    rows = (await session.execute(
        select(Report, Account).join(Account, Account.id == Report.target_account_id)
        .where(Report.id.in_(wanted)))).tuples().all()
    return {report.id: report_entity(report, target, settings) for report, target in rows}
