"""posts (card_id, id) for the posts that carry a card: the link timeline pages a trending
link's posts by it (a partial index: most posts have no card)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 17:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_WHERE = sa.text("card_id IS NOT NULL")


def upgrade() -> None:
    op.create_index("ix_posts_card_id_id", "posts", ["card_id", "id"],
                    sqlite_where=_WHERE, postgresql_where=_WHERE)


def downgrade() -> None:
    op.drop_index("ix_posts_card_id_id", table_name="posts")
