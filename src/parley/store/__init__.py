"""Storage: engine, sessions, raw SQLite/PostgreSQL paths, checkpointer, dialect differences."""
