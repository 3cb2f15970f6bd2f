"""remote profiles: the avatar's and header's URLs on an account's own server (the images
shown are copies stored here), and other servers' custom emoji

Revision ID: 0028
Revises: 0024
Create Date: 2026-12-08 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("avatar_remote_url", sa.String(2048), nullable=True))
    op.add_column("accounts", sa.Column("header_remote_url", sa.String(2048), nullable=True))
    # A remote account's images were shown from its server: now they are its remote URLs,
    # copied here when its actor is next read.
    op.execute("UPDATE accounts SET avatar_remote_url = avatar_url, "
               "header_remote_url = header_url, avatar_url = NULL, header_url = NULL "
               "WHERE domain IS NOT NULL")
    op.create_table(
        "custom_emojis",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("shortcode", sa.String(100), nullable=False),
        sa.Column("domain", sa.String(255), nullable=False),
        sa.Column("image_remote_url", sa.String(2048), nullable=False),
        sa.Column("image_key", sa.String(255), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_emojis")),
        sa.UniqueConstraint("domain", "shortcode", name="uq_custom_emojis_domain_shortcode"),
    )


def downgrade() -> None:
    op.drop_table("custom_emojis")
    op.execute("UPDATE accounts SET avatar_url = avatar_remote_url, "
               "header_url = header_remote_url WHERE domain IS NOT NULL")
    op.drop_column("accounts", "header_remote_url")
    op.drop_column("accounts", "avatar_remote_url")
