"""timeline_entries as derived data; broadcast_accounts

Home entries become a cache the fan-out rebuilds: no foreign keys (a deleted post's entry no
longer joins posts; an account's entries go with its deletion), only the (owner_id, post_id)
primary key (WITHOUT ROWID on SQLite, so it is the one b-tree per row). broadcast_accounts
lists the accounts whose posts are merged at read time instead of fanned out (hybrid fan-out).
Four small indexes serve the fan-out's per-post lookups (who mutes an author, who blocks its
domain, who asked to be notified of its posts, which accounts are remote).

SQLite cannot drop foreign keys or add WITHOUT ROWID in place: a new table is filled from the
old one (in primary-key order, so the copy appends), the old one dropped and the new renamed,
all in this migration's one transaction.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 03:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_SQLITE_TABLE = """
CREATE TABLE {name} (
    owner_id BIGINT NOT NULL,
    post_id BIGINT NOT NULL,
    author_id BIGINT NOT NULL,
    CONSTRAINT pk_timeline_entries PRIMARY KEY (owner_id, post_id)
) WITHOUT ROWID
"""


def _sqlite_upgrade() -> None:
    op.execute(_SQLITE_TABLE.format(name="timeline_entries_new"))
    op.execute("INSERT INTO timeline_entries_new (owner_id, post_id, author_id) "
               "SELECT owner_id, post_id, author_id FROM timeline_entries "
               "ORDER BY owner_id, post_id")
    op.execute("DROP TABLE timeline_entries")  # its indexes go with it
    op.execute("ALTER TABLE timeline_entries_new RENAME TO timeline_entries")


def _postgresql_upgrade() -> None:
    op.drop_constraint("fk_timeline_entries_owner_id_accounts", "timeline_entries",
                       type_="foreignkey")
    op.drop_constraint("fk_timeline_entries_post_id_posts", "timeline_entries",
                       type_="foreignkey")
    op.drop_index("ix_timeline_entries_author_id", table_name="timeline_entries")
    op.drop_index("ix_timeline_entries_post_id", table_name="timeline_entries")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
    else:
        _postgresql_upgrade()
    op.create_table(
        "broadcast_accounts",
        sa.Column("account_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_broadcast_accounts")),
    )


    # The fan-out's exclusion sets look up who mutes an author or blocks its domain.
    op.create_index("ix_mutes_target_account", "mutes", ["target_account_id", "account_id"])
    op.create_index("ix_account_domain_blocks_domain", "account_domain_blocks",
                    ["domain", "account_id"])
    # Remote accounts, which the fan-out skips as one small set.
    op.create_index("ix_accounts_remote", "accounts", ["id"],
                    sqlite_where=sa.text("domain IS NOT NULL"),
                    postgresql_where=sa.text("domain IS NOT NULL"))
    # The followers who asked to hear of every post (follow `notify`), without a scan of all.
    op.create_index("ix_follows_notify_target_account", "follows",
                    ["target_account_id", "state", "account_id"],
                    sqlite_where=sa.text("notify IS 1"), postgresql_where=sa.text("notify IS true"))


def downgrade() -> None:
    op.drop_index("ix_follows_notify_target_account", table_name="follows")
    op.drop_index("ix_accounts_remote", table_name="accounts")
    op.drop_index("ix_account_domain_blocks_domain", table_name="account_domain_blocks")
    op.drop_index("ix_mutes_target_account", table_name="mutes")
    op.drop_table("broadcast_accounts")
    # Entries whose post or owner is gone would break the foreign keys: drop them first.
    op.execute("DELETE FROM timeline_entries WHERE NOT EXISTS "
               "(SELECT 1 FROM posts WHERE posts.id = timeline_entries.post_id) "
               "OR NOT EXISTS "
               "(SELECT 1 FROM accounts WHERE accounts.id = timeline_entries.owner_id)")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("""CREATE TABLE timeline_entries_old (
            owner_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
            post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
            author_id BIGINT NOT NULL,
            CONSTRAINT pk_timeline_entries PRIMARY KEY (owner_id, post_id))""")
        op.execute("INSERT INTO timeline_entries_old SELECT owner_id, post_id, author_id "
                   "FROM timeline_entries")
        op.execute("DROP TABLE timeline_entries")
        op.execute("ALTER TABLE timeline_entries_old RENAME TO timeline_entries")
    else:
        op.create_foreign_key("fk_timeline_entries_owner_id_accounts", "timeline_entries",
                              "accounts", ["owner_id"], ["id"], ondelete="CASCADE")
        op.create_foreign_key("fk_timeline_entries_post_id_posts", "timeline_entries",
                              "posts", ["post_id"], ["id"], ondelete="CASCADE")
    op.create_index("ix_timeline_entries_author_id", "timeline_entries", ["author_id"])
    op.create_index("ix_timeline_entries_post_id", "timeline_entries", ["post_id"])
