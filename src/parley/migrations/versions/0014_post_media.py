"""Media in posts: posts.media_count (a page of text-only posts loads no media) and
post_edits.media (the attachments and their descriptions each version showed)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 13:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs on both databases (no table rebuild: posts is large and has triggers).
    op.add_column("posts", sa.Column("media_count", sa.SmallInteger(), nullable=False,
                                     server_default="0"))
    op.add_column("post_edits", sa.Column("media", sa.JSON(), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMNs (SQLite 3.35+): a batch rebuild of posts would lose its triggers.
    op.drop_column("post_edits", "media")
    op.drop_column("posts", "media_count")
