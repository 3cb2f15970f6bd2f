"""GroupedNotificationsResults (Mastodon 4.3): groups plus the accounts and statuses they
name, each rendered once, for a whole page in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.api.entities.accounts import account_entity
from parley.api.entities.admin_reports import render_reports
from parley.api.entities.filters import is_hidden
from parley.api.entities.notifications import subject_posts
from parley.api.entities.statuses import render_statuses
from parley.config import Settings
from parley.lib.timefmt import iso
from parley.notifications.grouped import Group

ExpandAccounts = Literal["full", "partial_avatars"]


def partial_account_entity(account: Account, settings: Settings) -> dict[str, Any]:
    """PartialAccountWithAvatar: enough to draw an avatar stack."""
    full = account_entity(account, settings)
    return {key: full[key] for key in ("id", "acct", "url", "avatar", "avatar_static",
                                       "locked", "bot")}


def _group_entity(group: Group, status_id: int | None, report: dict[str, Any] | None,
                  sample_ids: list[int], paginated: bool) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "group_key": group.key,
        "notifications_count": group.count,
        "type": group.notification.type,
        # A number, as Mastodon sends it (its iOS app decodes an Int).
        "most_recent_notification_id": group.most_recent_id,
        "sample_account_ids": [str(account_id) for account_id in sample_ids],
    }
    if status_id is not None:
        entity["status_id"] = str(status_id)
    if report is not None:
        entity["report"] = report
    if paginated:
        entity["page_min_id"] = str(group.page_min_id or group.notification.id)
        entity["page_max_id"] = str(group.page_max_id or group.notification.id)
        entity["latest_page_notification_at"] = iso(group.latest_page_at
                                                     or group.notification.created_at)
    return entity


async def _accounts(session: AsyncSession, groups: Sequence[Group]) -> dict[int, Account]:
    ids = {account_id for group in groups for account_id in group.sample_account_ids}
    ids |= {group.notification.from_account_id for group in groups}
    if not ids:
        return {}
    rows = await session.scalars(select(Account).where(Account.id.in_(ids)))
    return {account.id: account for account in rows}


async def render_grouped(session: AsyncSession, groups: Sequence[Group], *, viewer_id: int,
                         settings: Settings, expand_accounts: ExpandAccounts = "full",
                         paginated: bool = True) -> dict[str, Any]:
    """The page's groups in order; a group whose post is gone or hidden by a `hide` filter is
    left out, as in the ungrouped list. With partial_avatars only each group's newest
    account is rendered in full, the others in `partial_accounts`."""
    notifications = [group.notification for group in groups]
    subjects = await subject_posts(session, notifications)
    unique = list({post.id: post for post in subjects.values()}.values())
    rendered = await render_statuses(session, unique, viewer_id=viewer_id, settings=settings,
                                     filter_context="notifications") if unique else []
    statuses = {post.id: entity for post, entity in zip(unique, rendered, strict=True)}
    reports = await render_reports(session, (n.report_id for n in notifications), settings)
    accounts = await _accounts(session, groups)
    entities: list[dict[str, Any]] = []
    full_ids: dict[int, None] = {}
    partial_ids: dict[int, None] = {}
    for group in groups:
        n = group.notification
        post = subjects.get(n.id)
        if n.post_id is not None and (post is None or is_hidden(statuses[post.id])):
            continue
        if n.report_id is not None and n.report_id not in reports:
            continue
        sample = [i for i in group.sample_account_ids if i in accounts] or (
            [n.from_account_id] if n.from_account_id in accounts else [])
        if not sample:
            continue
        entities.append(_group_entity(group, post.id if post else None,
                                      reports.get(n.report_id) if n.report_id else None,
                                      sample, paginated))
        if expand_accounts == "partial_avatars":
            full_ids.setdefault(sample[0])
            partial_ids.update(dict.fromkeys(sample[1:]))
        else:
            full_ids.update(dict.fromkeys(sample))
    kept = {entity["status_id"] for entity in entities if "status_id" in entity}
    result: dict[str, Any] = {
        "accounts": [account_entity(accounts[i], settings) for i in full_ids],
        "statuses": [status for post_id, status in statuses.items() if str(post_id) in kept],
        "notification_groups": entities,
    }
    if expand_accounts == "partial_avatars":
        result["partial_accounts"] = [partial_account_entity(accounts[i], settings)
                                      for i in partial_ids if i not in full_ids]
    return result
