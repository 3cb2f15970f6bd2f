"""Notification types in Parley's words: like, repost and post (Mastodon's favourite, reblog
and status, now only said in api/); group keys that start with the type follow

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# (Mastodon's word, Parley's): the other types are the same word in both.
_WORDS = (("favourite", "like"), ("reblog", "repost"), ("status", "post"))
# A group key is `<type>-<target>-<bucket>` (notifications/grouping.py); `||` and substr()
# (1-based) mean the same on SQLite and PostgreSQL.
_REWRITE = sa.text(
    "UPDATE notifications SET type = :new, group_key = CASE "
    "WHEN group_key LIKE :old_prefix THEN :new || substr(group_key, :cut) "
    "ELSE group_key END WHERE type = :old")


def _rewrite(pairs: tuple[tuple[str, str], ...]) -> None:
    for old, new in pairs:
        op.execute(_REWRITE.bindparams(old=old, new=new, old_prefix=f"{old}-%",
                                       cut=len(old) + 1))


def upgrade() -> None:
    _rewrite(_WORDS)


def downgrade() -> None:
    _rewrite(tuple((new, old) for old, new in _WORDS))
