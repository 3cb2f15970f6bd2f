"""Web Push: push_subscriptions (one per access token) and push_server_keys, whose one row,
the instance's VAPID key pair, is made here: once per database, so every process of an
instance signs with the same key

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 14:30:00
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _key_row() -> dict[str, object]:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = private.public_key().public_bytes(serialization.Encoding.X962,
                                               serialization.PublicFormat.UncompressedPoint)
    return {"id": 1, "private_key": pem,
            "public_key": base64.urlsafe_b64encode(public).rstrip(b"=").decode(),
            "created_at": datetime.now(UTC)}


def upgrade() -> None:
    op.create_table(
        "push_subscriptions",
        sa.Column("id", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("access_token_id", sa.BigInteger(), nullable=False),
        sa.Column("endpoint", sa.String(length=2048), nullable=False),
        sa.Column("p256dh", sa.String(length=128), nullable=False),
        sa.Column("auth", sa.String(length=64), nullable=False),
        sa.Column("standard", sa.Boolean(), nullable=False),
        sa.Column("alerts", sa.String(length=512), nullable=False),
        sa.Column("policy", sa.String(length=16), nullable=False),
        sa.Column("sealed_token", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE",
                                name="fk_push_subscriptions_account_id_accounts"),
        sa.ForeignKeyConstraint(["access_token_id"], ["oauth_access_tokens.id"],
                                ondelete="CASCADE",
                                name="fk_push_subscriptions_access_token_id_oauth_access_tokens"),
        sa.PrimaryKeyConstraint("id", name="pk_push_subscriptions"),
        sa.UniqueConstraint("access_token_id", name="uq_push_subscriptions_access_token_id"),
    )
    op.create_index("ix_push_subscriptions_account_id", "push_subscriptions", ["account_id"])
    keys = op.create_table(
        "push_server_keys",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("private_key", sa.Text(), nullable=False),
        sa.Column("public_key", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_push_server_keys"),
    )
    op.bulk_insert(keys, [_key_row()])


def downgrade() -> None:
    op.drop_table("push_server_keys")
    op.drop_index("ix_push_subscriptions_account_id", table_name="push_subscriptions")
    op.drop_table("push_subscriptions")
