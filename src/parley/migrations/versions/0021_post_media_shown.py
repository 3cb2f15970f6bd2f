"""posts.media_shown: the attachments a post shows, read with the post (no page runs a
statement for media); filled here for the posts that have some

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 18:10:00
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

# posts/media_rows.py DOCUMENT_FIELDS as of this migration.
_FIELDS = ("id", "type", "state", "file_key", "small_key", "thumbnail_key", "blurhash",
           "description", "focus_x", "focus_y", "remote_url", "meta")


def _meta(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value or {}


def upgrade() -> None:
    op.add_column("posts", sa.Column("media_shown", sa.JSON(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        f"SELECT post_id, {', '.join(_FIELDS)} FROM media_attachments "
        "WHERE post_id IS NOT NULL AND position >= 0 ORDER BY post_id, position")).all()
    shown: dict[int, list[list[Any]]] = defaultdict(list)
    for post_id, *values in rows:
        shown[post_id].append([*values[:-1], _meta(values[-1])])
    posts = sa.table("posts", sa.column("id", sa.BigInteger()),
                     sa.column("media_shown", sa.JSON()))
    for post_id, document in shown.items():
        bind.execute(posts.update().where(posts.c.id == post_id).values(media_shown=document))


def downgrade() -> None:
    op.drop_column("posts", "media_shown")
