"""Quotes the Mastodon 4.5 way: who may quote a post (posts.quote_policy, the author's
default in accounts.default_quote_policy) and the state of a quote (posts.quote_state);
accounts.attribution_domains (Mastodon 4.4's update_credentials parameter)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 13:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs on both databases (no table rebuild: posts carries triggers).
    op.add_column("posts", sa.Column("quote_policy", sa.String(16), nullable=False,
                                     server_default="public"))
    op.add_column("posts", sa.Column("quote_state", sa.String(16), nullable=True))
    op.add_column("accounts", sa.Column("default_quote_policy", sa.String(16),
                                        nullable=False, server_default="public"))
    op.add_column("accounts", sa.Column("attribution_domains", sa.JSON(), nullable=False,
                                        server_default="[]"))
    # Private and direct posts were never quotable by others; quotes made so far stand.
    op.execute("UPDATE posts SET quote_policy = 'nobody' "
               "WHERE visibility IN ('private', 'direct')")
    op.execute("UPDATE posts SET quote_state = 'accepted' WHERE quote_of_id IS NOT NULL")


def downgrade() -> None:
    # Plain DROP COLUMNs (SQLite 3.35+ has them): a batch rebuild of posts would lose its
    # full-text triggers.
    op.drop_column("accounts", "attribution_domains")
    op.drop_column("accounts", "default_quote_policy")
    op.drop_column("posts", "quote_state")
    op.drop_column("posts", "quote_policy")
