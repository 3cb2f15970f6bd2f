"""polls and poll_votes; posts.poll_id says which posts have one

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 13:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _polls() -> None:
    op.create_table(
        "polls",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("post_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("multiple", sa.Boolean(), nullable=False),
        sa.Column("hide_totals", sa.Boolean(), nullable=False),
        sa.Column("votes_count", sa.Integer(), nullable=False),
        sa.Column("voters_count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"],
                                name=op.f("fk_polls_post_id_posts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_polls_account_id_accounts"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_polls")),
        sa.UniqueConstraint("post_id", name=op.f("uq_polls_post_id")),
    )


def _poll_votes() -> None:
    op.create_table(
        "poll_votes",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("poll_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("choice", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["polls.id"],
                                name=op.f("fk_poll_votes_poll_id_polls"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_poll_votes_account_id_accounts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_votes")),
        sa.UniqueConstraint("poll_id", "account_id", "choice",
                            name="uq_poll_votes_poll_id_account_id_choice"),
    )
    op.create_index("ix_poll_votes_account_id_poll_id", "poll_votes", ["account_id", "poll_id"])


def upgrade() -> None:
    # A plain column, no foreign key: the poll refers to its post and goes with it.
    op.add_column("posts", sa.Column("poll_id", sa.BigInteger(), nullable=True))
    _polls()
    _poll_votes()


def downgrade() -> None:
    op.drop_index("ix_poll_votes_account_id_poll_id", table_name="poll_votes")
    op.drop_table("poll_votes")
    op.drop_table("polls")
    # A plain DROP COLUMN (SQLite 3.35+): a batch rebuild of posts would lose its full-text
    # triggers.
    op.drop_column("posts", "poll_id")
