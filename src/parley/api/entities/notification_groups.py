"""GroupedNotificationsResults (Mastodon 4.3): groups plus the accounts and statuses they
name, each rendered once, for a whole page in a fixed number of queries, from the rows of
notifications/grouped.py with the Status and Account renderers of the ungrouped list."""

from __future__ import annotations

from typing import Any, Literal

from parley.accounts.models import Account
from parley.api.entities.accounts import account_entity
from parley.api.entities.notification_types import mastodon_group_key, mastodon_type
from parley.api.entities.notifications import read_reports, shown, subject_statuses
from parley.config import Settings
from parley.notifications.grouped import Group, GroupPage
from parley.notifications.rows import NotificationPage, load_subjects
from parley.posts.rows import AccountRow
from parley.store.database import Database
from parley.store.rawsql import iso_of

ExpandAccounts = Literal["full", "partial_avatars"]
_PARTIAL = ("id", "acct", "url", "avatar", "avatar_static", "locked", "bot")


def partial_account_entity(account: Account | AccountRow, settings: Settings
                           ) -> dict[str, Any]:
    """PartialAccountWithAvatar: enough to draw an avatar stack."""
    full = account_entity(account, settings)
    return {key: full[key] for key in _PARTIAL}


def _group_entity(group: Group, status_id: int | None, report: dict[str, Any] | None,
                  sample_ids: list[int], paginated: bool) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "group_key": mastodon_group_key(group.key),
        "notifications_count": group.count,
        "type": mastodon_type(group.notification.type),
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
        entity["latest_page_notification_at"] = iso_of(group.latest_page_at
                                                        or group.notification.created_at)
    return entity


async def render_grouped(page: GroupPage, *, db: Database, viewer_id: int, settings: Settings,
                         expand_accounts: ExpandAccounts = "full", paginated: bool = True
                         ) -> dict[str, Any]:
    """The page's groups in order; a group whose post is gone or hidden by a `hide` filter is
    left out, as in the ungrouped list. With partial_avatars only each group's newest
    account is rendered in full, the others in `partial_accounts`."""
    groups = page.groups
    notifications = NotificationPage([group.notification for group in groups], page.batch)
    await load_subjects(notifications)
    statuses = await subject_statuses(notifications, viewer_id=viewer_id, settings=settings)
    reports = await read_reports(db, notifications.rows, settings)
    await page.batch.load_accounts({account_id for group in groups for account_id in
                                    [group.notification.from_account_id,
                                     *group.sample_account_ids]})
    accounts = page.batch.accounts  # the people of the groups (and the posts' authors)
    entities: list[dict[str, Any]] = []
    full_ids: dict[int, None] = {}
    partial_ids: dict[int, None] = {}
    for group in groups:
        n = group.notification
        if not shown(n, notifications, statuses, reports):
            continue
        sample = [i for i in group.sample_account_ids if i in accounts] or (
            [n.from_account_id] if n.from_account_id in accounts else [])
        if not sample:
            continue
        post = notifications.subjects.get(n.id)
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
