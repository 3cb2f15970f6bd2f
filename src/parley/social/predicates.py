"""The social graph as SQL conditions, for set-based queries (fan-out, merges)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import ColumnElement

from parley.social.models import Follow
from parley.store.sql import alias_of

Column = ColumnElement[Any] | QueryableAttribute[Any]


def follows(account: Column, target: Column | int) -> ColumnElement[bool]:
    """`account` follows `target` (accepted)."""
    other = alias_of(Follow, "pred_follow")
    return exists(select(other.id).where(other.account_id == account,
                                         other.target_account_id == target,
                                         other.state == "accepted"))
