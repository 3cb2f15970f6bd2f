"""Raw statements inside a session's own transaction: store/rawsql's `Sql` run on the driver
connection under the session (the in-loop sqlite3 connection, or asyncpg), without SQLAlchemy's
per-statement machinery (50-120 µs a statement against 3-5 µs on the driver). `SessionSql`
for reads that must see the session's uncommitted rows, `writer_of` for the hot write paths
(the job queue, fan-out and compose)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from parley.store.dialect import SQLITE, Dialect, dialect_of
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


class _ThroughSession:
    """Through the ORM session: SQLite's threaded read connections (aiosqlite), which the
    event loop must not call directly."""

    dialect = SQLITE

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def fetch(self, sql: Sql, params: Mapping[str, Any]) -> list[Row]:
        result = await self.session.execute(text(sql.sqlite), sqlite_params(params))
        return list(result.tuples().all())

    async def execute(self, sql: Sql, params: Mapping[str, Any]) -> None:
        await self.session.execute(text(sql.sqlite), sqlite_params(params))

    async def execute_many(self, sql: Sql, rows: Sequence[Mapping[str, Any]]) -> None:
        await self.session.execute(text(sql.sqlite), [sqlite_params(row) for row in rows])

    async def notify(self, channel: str) -> None:
        """No other process listens on SQLite."""


async def _driver_of(session: AsyncSession) -> Writer:
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    if driver is None:
        raise ConnectionError("the session has no driver connection")
    if isinstance(driver, InLoopConnection):
        return SqliteWriter(driver)
    if dialect_of(session) is SQLITE:
        return _ThroughSession(session)
    return PgWriter(driver)


class SessionSql:
    """Raw statements (store/rawsql's `Sql`) in a session's own transaction, on its driver
    connection where the loop may call it (SQLite's in-loop writer, asyncpg), without
    SQLAlchemy's per-statement machinery: for writes on the hot paths (writer_of), and for
    reads that must see the session's own uncommitted rows (a write rendering what it just
    made). Pending ORM changes are flushed before the first statement."""

    shared = False

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.dialect = dialect_of(session)
        self._target: Writer | None = None
        self._begun = False

    async def _on(self, *, writing: bool) -> Writer:
        target = self._target
        if target is None:
            if self.session.new or self.session.deleted or self.session.dirty:
                await self.session.flush()
            target = self._target = await _driver_of(self.session)
        if writing and not self._begun:
            await self.begin()
        return target

    async def begin(self) -> None:
        """Have the session's transaction begun on the server, so raw writes are in it.
        (Reads need not: on PostgreSQL each statement has its own snapshot either way.)"""
        target = self._target or await self._on(writing=False)
        if isinstance(target, PgWriter) and not target.conn.is_in_transaction():
            # SQLAlchemy's asyncpg adapter sends BEGIN with its first statement: have it sent.
            await self.session.execute(text("SELECT 1"))
        self._begun = True

    async def target(self) -> Writer:
        return await self._on(writing=False)

    async def fetch(self, sql: Sql, params: Mapping[str, Any]) -> list[Row]:
        return await (await self._on(writing=False)).fetch(sql, params)

    async def execute(self, sql: Sql, params: Mapping[str, Any]) -> None:
        await (await self._on(writing=True)).execute(sql, params)

    async def execute_many(self, sql: Sql, rows: Sequence[Mapping[str, Any]]) -> None:
        await (await self._on(writing=True)).execute_many(sql, rows)

    async def notify(self, channel: str) -> None:
        await (await self._on(writing=True)).notify(channel)


async def writer_of(session: AsyncSession) -> Writer:
    """What a SessionSql of the session runs on, its transaction begun (resolved once per
    session): the hot write paths call this per statement, so no wrapper sits in between.
    Like the ORM's autoflush, pending ORM changes are flushed first, so a raw statement may
    refer to rows added through the session (a notification of a report, say); raw writes
    are not seen by objects the session already holds."""
    if session.new or session.deleted or session.dirty:
        await session.flush()
    found: Writer | None = session.info.get(_WRITER)
    if found is None:
        sql = SessionSql(session)
        await sql.begin()
        found = session.info[_WRITER] = await sql.target()
    return found
