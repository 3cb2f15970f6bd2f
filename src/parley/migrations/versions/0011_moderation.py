"""Moderation: roles instead of users.admin (owner, admin, moderator, user), an account's
standing (accounts.suspended_at, silenced_at, sensitized_at), who handles a report
(reports.assigned_account_id) and the audit log (admin_actions)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD/DROP COLUMNs on both databases (SQLite 3.35+), no table rebuilds.
    op.add_column("users", sa.Column("role", sa.String(16), nullable=False,
                                     server_default="user"))
    # The admins made so far were the server's administrators: Mastodon's Owner role is the
    # one that may do everything, Admin the one most servers give their staff.
    op.execute("UPDATE users SET role = 'admin' WHERE admin = " + _true())
    op.drop_column("users", "admin")
    for column in ("suspended_at", "silenced_at", "sensitized_at"):
        op.add_column("accounts", sa.Column(column, sa.DateTime(timezone=True), nullable=True))
    op.add_column("reports", sa.Column("assigned_account_id", sa.BigInteger(), nullable=True))
    op.create_table(
        "admin_actions",
        sa.Column("id", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("account_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target_type", sa.String(32), nullable=False),
        sa.Column("target_id", sa.String(64), nullable=False),
        sa.Column("target_label", sa.String(320), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_actions")),
    )
    op.create_index(op.f("ix_admin_actions_account_id"), "admin_actions", ["account_id"])


def _true() -> str:
    return "true" if op.get_bind().dialect.name == "postgresql" else "1"


def downgrade() -> None:
    op.drop_index(op.f("ix_admin_actions_account_id"), table_name="admin_actions")
    op.drop_table("admin_actions")
    op.drop_column("reports", "assigned_account_id")
    for column in ("sensitized_at", "silenced_at", "suspended_at"):
        op.drop_column("accounts", column)
    op.add_column("users", sa.Column("admin", sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    op.execute("UPDATE users SET admin = " + _true() + " WHERE role IN ('admin', 'owner')")
    op.drop_column("users", "role")
