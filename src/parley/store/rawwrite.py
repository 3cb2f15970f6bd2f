"""Raw statements inside a write session's transaction: store/rawsql's `Sql` run on the driver
connection under the session (the in-loop sqlite3 connection, or asyncpg), without SQLAlchemy's
per-statement machinery (50-120 µs a statement against 3-5 µs on the driver). For the hot
write paths: the job queue, fan-out and compose."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from parley.store.dialect import SQLITE, Dialect
from parley.store.rawsql import PgReader, Row, Sql, pg_value, sqlite_params
from parley.store.sqlite_inloop import InLoopConnection
from parley.store.wakeup import notify_sql

_WRITER = "parley.raw_writer"
_INSERTS: dict[tuple[str, tuple[str, ...]], Sql] = {}


def insert_of(table: str, columns: Iterable[str]) -> Sql:
    """INSERT INTO table (columns) VALUES (:columns), made once per table and column set."""
    key = (table, tuple(columns))
    found = _INSERTS.get(key)
    if found is None:
        names = ", ".join(key[1])
        values = ", ".join(f":{name}" for name in key[1])
        found = _INSERTS[key] = Sql(f"INSERT INTO {table} ({names}) VALUES ({values})")
    return found


class Writer(Protocol):
    """Runs statements in the caller's write transaction; the same call on every backend."""

    dialect: Dialect

    async def fetch(self, sql: Sql, params: Mapping[str, Any]) -> list[Row]: ...

    async def execute(self, sql: Sql, params: Mapping[str, Any]) -> None: ...

    async def execute_many(self, sql: Sql, rows: Sequence[Mapping[str, Any]]) -> None: ...

    async def notify(self, channel: str) -> None:
        """Wake the Listeners of `channel` in other processes when this transaction commits
        (store/wakeup)."""


class SqliteWriter:
    """On the in-loop writer connection (store/sqlite_inloop)."""

    dialect = SQLITE

    def __init__(self, connection: InLoopConnection) -> None:
        self.connection = connection

    async def fetch(self, sql: Sql, params: Mapping[str, Any]) -> list[Row]:
        return await self.connection.fetch(sql.sqlite, sqlite_params(params))

    async def execute(self, sql: Sql, params: Mapping[str, Any]) -> None:
        await self.connection.fetch(sql.sqlite, sqlite_params(params))

    async def execute_many(self, sql: Sql, rows: Sequence[Mapping[str, Any]]) -> None:
        await self.connection.execute_many(sql.sqlite, [sqlite_params(row) for row in rows])

    async def notify(self, channel: str) -> None:
        """No other process listens on SQLite: the committing one wakes its own worker."""


class PgWriter(PgReader):
    """On the asyncpg connection of the session, inside its transaction."""

    async def execute(self, sql: Sql, params: Mapping[str, Any]) -> None:
        statement, names = sql.pg()
        await self.conn.execute(statement, *[pg_value(params[name]) for name in names])

    async def execute_many(self, sql: Sql, rows: Sequence[Mapping[str, Any]]) -> None:
        statement, names = sql.pg()
        await self.conn.executemany(statement, [[pg_value(row[name]) for name in names]
                                                for row in rows])

    async def notify(self, channel: str) -> None:
        await self.execute(notify_sql(channel), {})


async def writer_of(session: AsyncSession) -> Writer:
    """The raw writer of a write session (made once per session). Like the ORM's autoflush,
    pending ORM changes are flushed first, so a raw statement may refer to rows added through
    the session (a notification of a report, say); raw writes are not seen by objects the
    session already holds."""
    if session.new or session.deleted or session.dirty:
        await session.flush()
    found: Writer | None = session.info.get(_WRITER)
    if found is not None:
        return found
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    writer: Writer
    if driver is None:
        raise ConnectionError("the write session has no driver connection")
    if isinstance(driver, InLoopConnection):
        writer = SqliteWriter(driver)
    else:
        if not driver.is_in_transaction():
            # SQLAlchemy's asyncpg adapter sends BEGIN with its first statement: have it sent.
            await connection.execute(text("SELECT 1"))
        writer = PgWriter(driver)
    session.info[_WRITER] = writer
    return writer
