"""poll updates: the local polls whose new counts wait to be sent to other servers (one
Update per poll at most once a minute)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "poll_updates",
        sa.Column("poll_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["polls.id"],
                                name=op.f("fk_poll_updates_poll_id_polls"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("poll_id", name=op.f("pk_poll_updates")),
    )


def downgrade() -> None:
    op.drop_table("poll_updates")
