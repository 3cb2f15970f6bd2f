"""preview_cards (one link preview per URL) and posts.card_id (the post's card, if any)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "preview_cards",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("author_name", sa.Text(), nullable=False),
        sa.Column("author_url", sa.String(length=2048), nullable=False),
        sa.Column("provider_name", sa.Text(), nullable=False),
        sa.Column("provider_url", sa.String(length=2048), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("image_url", sa.String(length=2048), nullable=True),
        sa.Column("image_description", sa.Text(), nullable=False),
        sa.Column("blurhash", sa.String(length=255), nullable=True),
        sa.Column("embed_url", sa.String(length=2048), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("error", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preview_cards")),
        sa.UniqueConstraint("url", name=op.f("uq_preview_cards_url")),
    )
    # No foreign key: cards are never deleted, and SQLite adds a column with one only by
    # rebuilding the posts table.
    op.add_column("posts", sa.Column("card_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+): a batch rebuild of posts would lose its full-text
    # triggers.
    op.drop_column("posts", "card_id")
    op.drop_table("preview_cards")
