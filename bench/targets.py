"""Bulk writers into a migrated Parley database: sqlite3 executemany, or asyncpg COPY.

Secondary indexes are dropped during the load and rebuilt afterwards (one sort each instead
of millions of random B-tree inserts); foreign keys are not checked for the bulk rows, which
the generator makes consistent.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.rows import Row, Stamp, pg_stamps, sqlite_stamps


class SqliteTarget:
    """A SQLite database file, written with the stdlib driver."""

    stamp: Stamp = staticmethod(sqlite_stamps)
    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn = sqlite3.connect(path, isolation_level=None)
        # No journal while bulk loading (a failed load is simply redone); WAL again at the end,
        # as Parley runs it.
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "foreign_keys=OFF",
                       "cache_size=-1000000", "temp_store=MEMORY"):
            self.conn.execute(f"PRAGMA {pragma}")
        self._indexes: list[str] = []

    async def drop_indexes(self, tables: Sequence[str]) -> None:
        marks = ",".join("?" * len(tables))
        rows = self.conn.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks})", list(tables)).fetchall()
        for name, sql in rows:
            self._indexes.append(sql)
            self.conn.execute(f'DROP INDEX "{name}"')

    async def create_indexes(self) -> None:
        for sql in self._indexes:
            self.conn.execute(sql)
        self._indexes = []

    async def insert(self, table: str, columns: Sequence[str], rows: list[Row]) -> None:
        marks = ",".join("?" * len(columns))
        self.conn.execute("BEGIN")
        self.conn.executemany(f"INSERT INTO {table} ({','.join(columns)}) VALUES ({marks})", rows)
        self.conn.execute("COMMIT")

    async def execute(self, sql: str) -> None:
        self.conn.execute(sql)

    async def scalar(self, sql: str) -> Any:
        return self.conn.execute(sql).fetchone()[0]

    async def analyze(self) -> None:
        self.conn.execute("ANALYZE")

    async def prepare_for_queries(self) -> None:
        """Nothing: the home precompute's SQL is written to plan well without statistics."""

    async def close(self) -> None:
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.close()


class PostgresTarget:
    """A PostgreSQL database, written with asyncpg's binary COPY."""

    stamp: Stamp = staticmethod(pg_stamps)
    dialect = "postgresql"

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self._indexes: list[str] = []

    @classmethod
    async def connect(cls, dsn: str) -> PostgresTarget:
        import asyncpg

        conn = await asyncpg.connect(dsn)
        # Skips foreign-key triggers for the bulk rows (we connect as a superuser).
        await conn.execute("SET session_replication_role = replica")
        await conn.execute("SET maintenance_work_mem = '512MB'")
        return cls(conn)

    async def drop_indexes(self, tables: Sequence[str]) -> None:
        rows = await self.conn.fetch(
            """SELECT i.indexname, i.indexdef FROM pg_indexes i
               WHERE i.schemaname = 'public' AND i.tablename = ANY($1::text[])
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
            list(tables))
        for row in rows:
            self._indexes.append(row["indexdef"])
            await self.conn.execute(f'DROP INDEX "{row["indexname"]}"')

    async def create_indexes(self) -> None:
        for sql in self._indexes:
            await self.conn.execute(sql)
        self._indexes = []

    async def insert(self, table: str, columns: Sequence[str], rows: list[Row]) -> None:
        await self.conn.copy_records_to_table(table, records=rows, columns=list(columns))

    async def execute(self, sql: str) -> None:
        await self.conn.execute(sql)

    async def scalar(self, sql: str) -> Any:
        return await self.conn.fetchval(sql)

    async def analyze(self) -> None:
        await self.conn.execute("VACUUM ANALYZE")

    async def prepare_for_queries(self) -> None:
        """Fresh statistics before the set-based home precompute (its plan depends on them)."""
        await self.conn.execute("ANALYZE")

    async def close(self) -> None:
        await self.conn.close()


async def recreate_pg_database(admin_dsn: str, name: str) -> None:
    """Drop and create database `name` (connecting to the server's `postgres` database)."""
    import asyncpg

    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
