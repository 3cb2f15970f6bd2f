"""two-factor sign-in: each user's sealed TOTP secret and last used step, recovery codes

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("otp_secret", sa.Text(), nullable=True))
    op.add_column("users", sa.Column("otp_last_step", sa.BigInteger(), nullable=True))
    op.create_table(
        "recovery_codes",
        sa.Column("account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_recovery_codes_account_id_accounts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", "digest", name=op.f("pk_recovery_codes")),
    )


def downgrade() -> None:
    op.drop_table("recovery_codes")
    # Plain DROP COLUMNs (SQLite 3.35+), as 0014 does.
    op.drop_column("users", "otp_last_step")
    op.drop_column("users", "otp_secret")
