"""federation: actors' keys, remote actors' inboxes and collections, peers' health, the ids
of activities received

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "actor_keys",
        sa.Column("key_id", sa.String(2048), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=True),
        sa.Column("public_key_pem", sa.Text(), nullable=False),
        sa.Column("private_key_sealed", sa.Text(), nullable=True),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_actor_keys_account_id_accounts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_actor_keys")),
        sa.UniqueConstraint("account_id", name=op.f("uq_actor_keys_account_id")),
    )
    op.create_table(
        "remote_actors",
        sa.Column("account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("actor_type", sa.String(32), nullable=False),
        sa.Column("inbox_url", sa.String(2048), nullable=False),
        sa.Column("shared_inbox_url", sa.String(2048), nullable=True),
        sa.Column("outbox_url", sa.String(2048), nullable=True),
        sa.Column("followers_url", sa.String(2048), nullable=True),
        sa.Column("following_url", sa.String(2048), nullable=True),
        sa.Column("featured_url", sa.String(2048), nullable=True),
        sa.Column("fetched_at", _WHEN, nullable=False),
        sa.Column("gone_at", _WHEN, nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_remote_actors_account_id_accounts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_remote_actors")),
    )
    op.create_index(op.f("ix_remote_actors_followers_url"), "remote_actors", ["followers_url"])
    op.create_table(
        "peers",
        sa.Column("domain", sa.String(255), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", _WHEN, nullable=True),
        sa.Column("retry_at", _WHEN, nullable=True),
        sa.Column("unreachable_since", _WHEN, nullable=True),
        sa.Column("last_success_at", _WHEN, nullable=True),
        sa.PrimaryKeyConstraint("domain", name=op.f("pk_peers")),
    )
    op.create_table(
        "received_activities",
        sa.Column("activity_id", sa.String(2048), nullable=False),
        sa.Column("received_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("activity_id", name=op.f("pk_received_activities")),
    )
    op.create_index(op.f("ix_received_activities_received_at"), "received_activities",
                    ["received_at"])


def downgrade() -> None:
    op.drop_table("received_activities")
    op.drop_table("peers")
    op.drop_table("remote_actors")
    op.drop_table("actor_keys")
