"""Report services: filing a report (a local reporter's, or one another server sent), and
listing and resolving reports (moderators, CLI)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.errors import Invalid, NotFound
from parley.events import record
from parley.events.moderation import ReportForwarded
from parley.lib.ids import new_id, parse_id
from parley.lib.paging import Page
from parley.lib.timefmt import utcnow
from parley.moderation.audit import log_action
from parley.moderation.models import REPORT_CATEGORIES, Report
from parley.moderation.rules import rules_named
from parley.notifications.service import notify_admins
from parley.posts.lookup import get_posts
from parley.posts.models import Post

MAX_COMMENT = 1000
MAX_REPORTED_POSTS = 100


@dataclass
class ReportDraft:
    """What a reporter sends."""

    target_account_id: int
    post_ids: Sequence[int] = field(default_factory=tuple)
    comment: str = ""
    category: str | None = None
    rule_ids: Sequence[str] = field(default_factory=tuple)
    forward: bool = False


def _category(draft: ReportDraft) -> str:
    # Citing rules makes a report a violation report, as Mastodon's ReportService does.
    category = "violation" if draft.rule_ids else draft.category or "other"
    if category not in REPORT_CATEGORIES:
        raise Invalid(f"Validation failed: category must be one of {', '.join(REPORT_CATEGORIES)}")
    return category


async def _cited_rules(session: AsyncSession, category: str, raw: Sequence[str]) -> list[str]:
    """A violation report's rules: each must be a rule in force (Mastodon's text)."""
    if category != "violation" or not raw:
        return []
    ids = list(dict.fromkeys(parse_id(value) for value in raw))
    found = await rules_named(session, [i for i in ids if i is not None])
    if None in ids or len(found) != len(ids):
        raise Invalid("Validation failed: Rule ids does not reference valid rules")
    return [str(rule.id) for rule in found]


async def _cited_posts(session: AsyncSession, reporter_id: int, target_id: int,
                       post_ids: Sequence[int]) -> list[str]:
    """The cited posts must be the target's and visible to the reporter, as in Mastodon."""
    wanted = list(dict.fromkeys(post_ids))
    if len(wanted) > MAX_REPORTED_POSTS:
        raise Invalid(f"Validation failed: at most {MAX_REPORTED_POSTS} posts per report")
    found = await get_posts(session, wanted, viewer_id=reporter_id)
    if len(found) != len(wanted) or any(post.account_id != target_id for post in found):
        raise NotFound()
    return [str(post.id) for post in found]


async def create_report(session: AsyncSession, *, reporter: Account, draft: ReportDraft
                        ) -> tuple[Report, Account]:
    """File a report about an account (and some of its posts) for the moderators."""
    target = await session.get(Account, draft.target_account_id)
    if target is None:
        raise NotFound()
    if target.id == reporter.id:
        raise Invalid("Validation failed: you cannot report yourself")
    if len(draft.comment) > MAX_COMMENT:
        raise Invalid(f"Validation failed: comment is longer than {MAX_COMMENT} characters")
    category = _category(draft)
    posts = await _cited_posts(session, reporter.id, target.id, draft.post_ids)
    rules = await _cited_rules(session, category, draft.rule_ids)
    # About an account of another server, the reporter may ask that its moderators get it
    # too (federation sends it, from the instance: never naming the reporter).
    forwarded = draft.forward and not target.is_local
    report = await _file(session, Report(
        account_id=reporter.id, target_account_id=target.id, post_ids=posts, rule_ids=rules,
        category=category, comment=draft.comment, forwarded=forwarded))
    if forwarded:
        await record(session, ReportForwarded(report.id))
    return report, target


async def _file(session: AsyncSession, report: Report) -> Report:
    """Keep a new report and tell the moderators."""
    report.id, report.action_taken = new_id(), False
    report.created_at = report.updated_at = utcnow()
    session.add(report)
    await session.flush()
    await notify_admins(session, type="admin.report", from_account_id=report.account_id,
                        report_id=report.id)
    return report


async def receive_report(session: AsyncSession, *, reporter: Account, target: Account,
                         posts: Sequence[Post], comment: str) -> Report | None:
    """A report another server sent (its actor the reporter) about a local account and
    some of its posts (any of them: that server saw them, as Mastodon takes them); None
    when the account is suspended already."""
    if not target.is_local or target.suspended_at is not None:
        return None
    cited = [str(post.id) for post in posts if post.account_id == target.id]
    return await _file(session, Report(
        account_id=reporter.id, target_account_id=target.id,
        post_ids=cited[:MAX_REPORTED_POSTS], rule_ids=[], category="other",
        comment=comment[:MAX_COMMENT], forwarded=False))


@dataclass
class ReportRow:
    """A report with the two accounts it names, for listing."""

    report: Report
    reporter: Account
    target: Account


async def list_reports(session: AsyncSession, *, resolved: bool | None = False,
                       limit: int = 100) -> list[ReportRow]:
    """Reports newest first: open ones (default), resolved ones, or all (None)."""
    stmt = (select(Report, Account).join(Account, Account.id == Report.target_account_id)
            .order_by(Report.id.desc()).limit(limit))
    if resolved is not None:
        stmt = stmt.where(Report.action_taken.is_(resolved))
    rows = (await session.execute(stmt)).tuples().all()
    reporter_ids = {report.account_id for report, _ in rows}
    reporters = {account.id: account for account in await session.scalars(
        select(Account).where(Account.id.in_(reporter_ids)))} if reporter_ids else {}
    return [ReportRow(report, reporters[report.account_id], target) for report, target in rows
            if report.account_id in reporters]


async def resolve_report(session: AsyncSession, *, report_id: int, note: str = "",
                         moderator_id: int | None = None) -> Report:
    """Mark a report resolved (again is a no-op that keeps the first resolution)."""
    report = await session.get(Report, report_id)
    if report is None:
        raise NotFound()
    if not report.action_taken:
        now = utcnow()
        report.action_taken = True
        report.action_taken_at = now
        report.action_taken_by_account_id = moderator_id
        report.resolution_note = note
        report.updated_at = now
        await session.flush()
    return report


@dataclass(frozen=True)
class ReportFilter:
    """The admin list's filters: resolved or not, by reporter, by target."""

    resolved: bool = False
    account_id: int | None = None
    target_account_id: int | None = None


async def page_reports(session: AsyncSession, filters: ReportFilter, page: Page
                       ) -> list[Report]:
    """Reports newest first, for GET /api/v1/admin/reports."""
    stmt = select(Report).where(Report.action_taken.is_(filters.resolved))
    if filters.account_id is not None:
        stmt = stmt.where(Report.account_id == filters.account_id)
    if filters.target_account_id is not None:
        stmt = stmt.where(Report.target_account_id == filters.target_account_id)
    return page.arrange((await session.scalars(page.apply(stmt, Report.id))).all())


async def get_report(session: AsyncSession, report_id: int) -> Report:
    report = await session.get(Report, report_id)
    if report is None:
        raise NotFound()
    return report


async def handle_report(session: AsyncSession, *, report_id: int, moderator_id: int,
                        action: str) -> Report:
    """assign_to_self, unassign, resolve or reopen a report, written to the audit log."""
    report = await get_report(session, report_id)
    if action == "assign_to_self":
        report.assigned_account_id = moderator_id
    elif action == "unassign":
        report.assigned_account_id = None
    elif action == "resolve":
        await resolve_report(session, report_id=report_id, moderator_id=moderator_id)
    elif action == "reopen":
        report.action_taken, report.action_taken_at = False, None
        report.action_taken_by_account_id = None
    else:
        raise NotFound()
    report.updated_at = utcnow()
    await log_action(session, actor_id=moderator_id, action=f"{action}_report",
                     target_type="report", target_id=report_id)
    await session.flush()
    return report
