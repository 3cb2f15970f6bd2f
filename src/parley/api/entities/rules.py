"""The Rule entity: one of the server's rules (moderation/rules.py)."""

from __future__ import annotations

from typing import Any

from parley.moderation.models import ServerRule


def rule_entity(rule: ServerRule) -> dict[str, Any]:
    return {"id": str(rule.id), "text": rule.text, "hint": rule.hint, "translations": {}}
