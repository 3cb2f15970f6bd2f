"""scheduled_posts: posts their authors asked to publish later

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduled_posts",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_scheduled_posts_account_id_accounts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_posts")),
    )
    op.create_index("ix_scheduled_posts_account_id_id", "scheduled_posts", ["account_id", "id"])
    op.create_index("ix_scheduled_posts_account_id_scheduled_at", "scheduled_posts",
                    ["account_id", "scheduled_at"])


def downgrade() -> None:
    op.drop_index("ix_scheduled_posts_account_id_scheduled_at", table_name="scheduled_posts")
    op.drop_index("ix_scheduled_posts_account_id_id", table_name="scheduled_posts")
    op.drop_table("scheduled_posts")
