"""Accounts keep hide_collections and the avatar's and header's descriptions (Mastodon's
update_credentials fields); a blank default language becomes none

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 14:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("hide_collections", sa.Boolean(), nullable=False,
                                        server_default=sa.false()))
    op.add_column("accounts", sa.Column("avatar_description", sa.String(1500), nullable=False,
                                        server_default=""))
    op.add_column("accounts", sa.Column("header_description", sa.String(1500), nullable=False,
                                        server_default=""))
    # A blank source[language] was stored as such and refused every later post.
    op.execute("UPDATE accounts SET default_language = NULL WHERE default_language = ''")


def downgrade() -> None:
    # Plain DROP COLUMNs (SQLite 3.35+), as 0006 does: no table rebuild.
    op.drop_column("accounts", "header_description")
    op.drop_column("accounts", "avatar_description")
    op.drop_column("accounts", "hide_collections")
