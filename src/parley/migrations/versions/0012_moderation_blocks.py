"""Server-wide blocks: domains (instance_domain_blocks), e-mail domains refused at sign-up
(email_domain_blocks) and address ranges (ip_blocks)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 15:10:00
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _created() -> sa.Column[datetime]:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "instance_domain_blocks",
        sa.Column("id", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("domain", sa.String(255), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("reject_media", sa.Boolean(), nullable=False),
        sa.Column("reject_reports", sa.Boolean(), nullable=False),
        sa.Column("private_comment", sa.Text(), nullable=True),
        sa.Column("public_comment", sa.Text(), nullable=True),
        sa.Column("obfuscate", sa.Boolean(), nullable=False),
        _created(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instance_domain_blocks")),
        sa.UniqueConstraint("domain", name=op.f("uq_instance_domain_blocks_domain")),
    )
    op.create_table(
        "email_domain_blocks",
        sa.Column("id", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("domain", sa.String(255), nullable=False),
        _created(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_domain_blocks")),
        sa.UniqueConstraint("domain", name=op.f("uq_email_domain_blocks_domain")),
    )
    op.create_table(
        "ip_blocks",
        sa.Column("id", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(32), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        _created(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ip_blocks")),
    )


def downgrade() -> None:
    op.drop_table("ip_blocks")
    op.drop_table("email_domain_blocks")
    op.drop_table("instance_domain_blocks")
