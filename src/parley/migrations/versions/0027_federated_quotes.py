"""federated quotes: the approval stamp (FEP-044f QuoteAuthorization) another server issued
for a quote, and the QuoteRequest a remote quoter sent, answered by its id

Revision ID: 0026
Revises: 0024
Create Date: 2026-12-07 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "federated_quotes",
        sa.Column("post_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("authorization_uri", sa.String(2048), nullable=True),
        sa.Column("request_uri", sa.String(2048), nullable=True),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"],
                                name=op.f("fk_federated_quotes_post_id_posts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("post_id", name=op.f("pk_federated_quotes")),
    )
    op.create_index(op.f("ix_federated_quotes_authorization_uri"), "federated_quotes",
                    ["authorization_uri"])


def downgrade() -> None:
    op.drop_index(op.f("ix_federated_quotes_authorization_uri"), "federated_quotes")
    op.drop_table("federated_quotes")
