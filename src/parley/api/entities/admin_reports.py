"""The Report entities admin.report notifications carry, built for a page at once, and
Mastodon's Admin::Report for the admin API."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.api.entities.admin_accounts import render_admin_accounts
from parley.api.entities.reports import report_entity
from parley.api.entities.rules import rule_entity
from parley.api.entities.statuses import render_statuses
from parley.config import Settings
from parley.lib.timefmt import iso
from parley.moderation.models import Report
from parley.moderation.rules import rules_named
from parley.posts.models import Post


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


async def render_admin_reports(session: AsyncSession, reports: Sequence[Report], *,
                               viewer_id: int, settings: Settings) -> list[dict[str, Any]]:
    """Admin::Report entities: the accounts named, in one query, and the cited posts that
    still exist, rendered for the moderator (a suspended author's posts are hidden)."""
    accounts = await render_admin_accounts(session, [
        account_id for report in reports for account_id in (
            report.account_id, report.target_account_id, report.action_taken_by_account_id,
            report.assigned_account_id)], settings)
    post_ids = {int(post_id) for report in reports for post_id in report.post_ids}
    posts = (await session.scalars(select(Post).where(Post.id.in_(post_ids)))).all() \
        if post_ids else []
    statuses = {status["id"]: status for status in await render_statuses(
        session, posts, viewer_id=viewer_id, settings=settings)}
    # The rules a report cited, retired ones too: it names what was meant then.
    rules = {str(rule.id): rule_entity(rule) for rule in await rules_named(
        session, [int(i) for report in reports for i in report.rule_ids], in_force=False)}
    return [{
        "id": str(report.id),
        "action_taken": report.action_taken,
        "action_taken_at": iso(report.action_taken_at),
        "category": report.category,
        "comment": report.comment,
        "forwarded": report.forwarded,
        "created_at": iso(report.created_at),
        "updated_at": iso(report.updated_at),
        "account": accounts[report.account_id],
        "target_account": accounts[report.target_account_id],
        "assigned_account": accounts.get(report.assigned_account_id or 0),
        "action_taken_by_account": accounts.get(report.action_taken_by_account_id or 0),
        "statuses": [statuses[post_id] for post_id in report.post_ids if post_id in statuses],
        "rules": [rules[rule_id] for rule_id in report.rule_ids if rule_id in rules],
    } for report in reports if report.account_id in accounts
        and report.target_account_id in accounts]
