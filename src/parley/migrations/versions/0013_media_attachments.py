"""media_attachments: uploaded files, their stored versions and metadata, attached to posts

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_attachments",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("post_id", sa.BigInteger(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("file_key", sa.String(255), nullable=True),
        sa.Column("small_key", sa.String(255), nullable=True),
        sa.Column("thumbnail_key", sa.String(255), nullable=True),
        sa.Column("upload_key", sa.String(255), nullable=True),
        sa.Column("file_size", sa.BigInteger(), nullable=True),
        sa.Column("content_type", sa.String(64), nullable=True),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("blurhash", sa.String(64), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("focus_x", sa.Float(), nullable=True),
        sa.Column("focus_y", sa.Float(), nullable=True),
        sa.Column("remote_url", sa.String(2048), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_media_attachments_account_id_accounts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"],
                                name=op.f("fk_media_attachments_post_id_posts"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_attachments")),
    )
    op.create_index("ix_media_attachments_post_id_position", "media_attachments",
                    ["post_id", "position"])
    op.create_index("ix_media_attachments_account_id_id", "media_attachments",
                    ["account_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_media_attachments_account_id_id", table_name="media_attachments")
    op.drop_index("ix_media_attachments_post_id_position", table_name="media_attachments")
    op.drop_table("media_attachments")
