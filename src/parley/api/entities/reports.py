"""Report entity."""

from __future__ import annotations

from typing import Any

from parley.accounts.models import Account
from parley.api.entities.accounts import account_entity
from parley.config import Settings
from parley.lib.timefmt import iso
from parley.moderation.models import Report


def report_entity(report: Report, target: Account, settings: Settings) -> dict[str, Any]:
    """Mastodon's Report as its reporter sees it."""
    return {
        "id": str(report.id),
        "action_taken": report.action_taken,
        "action_taken_at": iso(report.action_taken_at),
        "category": report.category,
        "comment": report.comment,
        "forwarded": report.forwarded,
        "created_at": iso(report.created_at),
        "status_ids": list(report.post_ids) or None,
        "rule_ids": list(report.rule_ids) or None,
        "collection_ids": [],
        "target_account": account_entity(target, settings),
    }
