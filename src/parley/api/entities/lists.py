"""List entity."""

from __future__ import annotations

from typing import Any

from parley.lists.models import List


def list_entity(lst: List) -> dict[str, Any]:
    return {"id": str(lst.id), "title": lst.title, "replies_policy": lst.replies_policy,
            "exclusive": lst.exclusive}
