"""account_notes (private notes on accounts) and thread_mutes (muted conversations)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 14:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _account_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["accounts.id"],
                                   name=op.f(f"fk_{table}_{column}_accounts"),
                                   ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "account_notes",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("target_account_id", sa.BigInteger(), nullable=False),
        sa.Column("comment", sa.String(length=2000), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _account_fk("account_notes", "account_id"),
        _account_fk("account_notes", "target_account_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_notes")),
        sa.UniqueConstraint("account_id", "target_account_id",
                            name="uq_account_notes_account_target"),
    )
    op.create_table(
        "thread_mutes",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _account_fk("thread_mutes", "account_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_thread_mutes")),
        sa.UniqueConstraint("account_id", "thread_id", name="uq_thread_mutes_account_thread"),
    )


def downgrade() -> None:
    op.drop_table("thread_mutes")
    op.drop_table("account_notes")
