"""announcements, with each user's dismissals and emoji reactions

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 15:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"),
                                   ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "announcements",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("all_day", sa.Boolean(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )
    op.create_table(
        "announcement_dismissals",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("announcement_id", sa.BigInteger(), nullable=False),
        _fk("announcement_dismissals", "account_id", "accounts"),
        _fk("announcement_dismissals", "announcement_id", "announcements"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_dismissals")),
        sa.UniqueConstraint("account_id", "announcement_id",
                            name="uq_announcement_dismissals_account_announcement"),
    )
    op.create_table(
        "announcement_reactions",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("announcement_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("announcement_reactions", "account_id", "accounts"),
        _fk("announcement_reactions", "announcement_id", "announcements"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_reactions")),
        sa.UniqueConstraint("account_id", "announcement_id", "name",
                            name="uq_announcement_reactions_account_announcement_name"),
    )
    op.create_index("ix_announcement_reactions_announcement_id", "announcement_reactions",
                    ["announcement_id"])


def downgrade() -> None:
    op.drop_index("ix_announcement_reactions_announcement_id",
                  table_name="announcement_reactions")
    op.drop_table("announcement_reactions")
    op.drop_table("announcement_dismissals")
    op.drop_table("announcements")
