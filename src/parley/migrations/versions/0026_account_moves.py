"""account moves: the accounts an account says it also is (its aliases, ActivityPub's
alsoKnownAs) and the account it moved to

Revision ID: 0027
Revises: 0024
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs (no table rebuild on SQLite); no foreign key for the same reason:
    # SQLite adds a column with one only by rebuilding the table.
    op.add_column("accounts", sa.Column("also_known_as", sa.JSON(), nullable=False,
                                        server_default="[]"))
    op.add_column("accounts", sa.Column("moved_to_account_id", sa.BigInteger(),
                                        nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMNs (SQLite 3.35+), as 0009 does.
    op.drop_column("accounts", "moved_to_account_id")
    op.drop_column("accounts", "also_known_as")
