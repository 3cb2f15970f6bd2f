"""The full-text index over posts, per dialect: the DDL migrations run to create and drop it."""

from __future__ import annotations

from alembic import op

# What autogenerate cannot express, written by hand and called by the migration that creates
# `posts` (0001); a later migration that rebuilds `posts` calls it again. Full-text search
# over posts (parley.search) is an FTS5 external-content table kept by triggers on SQLite,
# and on PostgreSQL a stored generated tsvector column (not in the ORM model) with a GIN
# index: stored, so that phrase rechecks and the planner's statistics need no re-parsing.
# Either way the index changes in the same transaction as the posts.
SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE posts_fts USING fts5(text, spoiler_text, content='posts', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER posts_fts_insert AFTER INSERT ON posts WHEN new.repost_of_id IS NULL "
    "BEGIN INSERT INTO posts_fts(rowid, text, spoiler_text) "
    "VALUES (new.id, new.text, new.spoiler_text); END",
    "CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts WHEN old.repost_of_id IS NULL "
    "BEGIN INSERT INTO posts_fts(posts_fts, rowid, text, spoiler_text) "
    "VALUES ('delete', old.id, old.text, old.spoiler_text); END",
    "CREATE TRIGGER posts_fts_update AFTER UPDATE OF text, spoiler_text ON posts "
    "WHEN old.repost_of_id IS NULL "
    "BEGIN INSERT INTO posts_fts(posts_fts, rowid, text, spoiler_text) "
    "VALUES ('delete', old.id, old.text, old.spoiler_text); "
    "INSERT INTO posts_fts(rowid, text, spoiler_text) "
    "VALUES (new.id, new.text, new.spoiler_text); END",
)
POSTGRESQL_SEARCH = (
    "ALTER TABLE posts ADD COLUMN search_document tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple'::regconfig, spoiler_text || ' ' || text)) STORED",
    "CREATE INDEX ix_posts_search ON posts USING gin (search_document)",
)


def create_search_index() -> None:
    dialect = op.get_bind().dialect.name
    statements = {"sqlite": SQLITE_SEARCH, "postgresql": POSTGRESQL_SEARCH}.get(dialect, ())
    for statement in statements:
        op.execute(statement)


def drop_search_index() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("posts_fts_insert", "posts_fts_delete", "posts_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS posts_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_posts_search")
        op.execute("ALTER TABLE posts DROP COLUMN IF EXISTS search_document")
