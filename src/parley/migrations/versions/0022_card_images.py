"""preview_cards.image_key: the card's image as Parley stores it (media storage, under
cards/), beside image_url, the remote image the page named

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases (a nullable column: no table rebuild).
    op.add_column("preview_cards", sa.Column("image_key", sa.String(255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("preview_cards") as batch:
        batch.drop_column("image_key")
