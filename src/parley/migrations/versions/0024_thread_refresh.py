"""thread refreshes: when each thread with remote posts was last fetched again from its
servers, and the refresh clients poll (Mastodon's async refreshes)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "thread_refreshes",
        sa.Column("thread_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("refresh_id", sa.String(64), nullable=False),
        sa.Column("requested_at", _WHEN, nullable=False),
        sa.Column("finished_at", _WHEN, nullable=True),
        sa.Column("result_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["thread_id"], ["posts.id"],
                                name=op.f("fk_thread_refreshes_thread_id_posts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("thread_id", name=op.f("pk_thread_refreshes")),
        sa.UniqueConstraint("refresh_id", name=op.f("uq_thread_refreshes_refresh_id")),
    )


def downgrade() -> None:
    op.drop_table("thread_refreshes")
