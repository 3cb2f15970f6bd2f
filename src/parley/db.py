"""Database engine and sessions: SQLite (one writer, WAL) and PostgreSQL behind one interface."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, MetaData, event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import ConnectionPoolEntry

# Session.info key set by jobs.queue.enqueue; read here after commit.
JOBS_ENQUEUED = "parley.jobs_enqueued"

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every table; constraint names are deterministic for migrations."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {int: BigInteger}


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # Autocommit at the driver level so that our own "begin" listener decides BEGIN's kind.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _make_sqlite_engine(url: str, *, immediate: bool, pool_size: int, echo: bool) -> AsyncEngine:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, echo=echo, pool_size=pool_size, max_overflow=0,
                                 pool_timeout=60)
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


class Database:
    """Owns the engines. SQLite gets one writer connection (writes queue in the app, not on
    SQLite's lock) and a pool of readers; PostgreSQL uses one pool for both."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.writer = _make_sqlite_engine(url, immediate=True, pool_size=1, echo=echo)
            self.reader = _make_sqlite_engine(url, immediate=False, pool_size=8, echo=echo)
        else:
            # JIT compilation costs tens of milliseconds on queries that run in one or two:
            # Parley's queries are all short, indexed lookups.
            self.writer = create_async_engine(url, echo=echo, pool_size=10, max_overflow=10,
                                              pool_pre_ping=True,
                                              connect_args={"server_settings": {"jit": "off"}})
            self.reader = self.writer
        self._write_sessions = async_sessionmaker(self.writer, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self.reader, expire_on_commit=False)
        # Called with session.info after each commit: the in-process worker wakes for new jobs
        # at once, and streaming publishes the events the transaction recorded.
        self.after_commit: list[Callable[[dict[Any, Any]], Awaitable[None]]] = []

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits when the block ends without error."""
        async with self._write_sessions() as session:
            async with session.begin():
                yield session
            for hook in self.after_commit:
                await hook(session.info)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A read-only session. Closing it ends its transaction without expiring the loaded
        objects (a rollback would), so callers may keep using what they read."""
        async with self._read_sessions() as session:
            yield session

    async def dispose(self) -> None:
        await self.writer.dispose()
        if self.reader is not self.writer:
            await self.reader.dispose()
