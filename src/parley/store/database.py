"""Database engine and sessions: SQLite (one writer, WAL) and PostgreSQL behind one interface."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
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

from parley.store.dialect import SQLITE, dialect_of_url, engine_url
from parley.store.faults import store_failure
from parley.store.rawsql import PgReader, Reader, SqliteReader
from parley.store.sqlite_checkpoint import Checkpointer
from parley.store.sqlite_inloop import in_loop_connector
from parley.store.sqlite_inloop import off_loop as _off_loop
from parley.store.wakeup import Listener

# Statements inside `with off_loop():` run in a worker thread where the store runs them in the
# event loop's (SQLite's in-loop writer): for bulk statements long enough to stall requests.
off_loop = _off_loop

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


_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON", "PRAGMA synchronous=NORMAL")
# The threaded readers wait for a lock inside SQLite; the in-loop writer must never block the
# loop, so it waits between retries instead (store/sqlite_inloop).
_THREADED_PRAGMAS = (*_PRAGMAS, "PRAGMA busy_timeout=10000")
_IN_LOOP_PRAGMAS = (*_PRAGMAS, "PRAGMA busy_timeout=0", "PRAGMA wal_autocheckpoint=0")
# The in-loop lookup connections (Database.lookup) only read; like the writer they never block
# the loop on a lock (a refused statement is retried after an asynchronous sleep).
_LOOKUP_PRAGMAS = ("PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=0", "PRAGMA query_only=1",
                   "PRAGMA cache_size=-8000")


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # Autocommit at the driver level so that our own "begin" listener decides BEGIN's kind.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in _THREADED_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _make_sqlite_engine(url: str, *, writer: bool, pool_size: int, echo: bool,
                        in_loop: bool = False) -> AsyncEngine:
    """The writer: one connection run in the event loop (store/sqlite_inloop), BEGIN IMMEDIATE.
    Readers: aiosqlite's threaded connections (or, `in_loop`, connections run in the event
    loop like the writer's), deferred BEGIN."""
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    if writer or in_loop:
        pragmas = _IN_LOOP_PRAGMAS if writer else _LOOKUP_PRAGMAS
        engine = create_async_engine(url, echo=echo, pool_size=pool_size,
                                     max_overflow=0 if writer else pool_size, pool_timeout=60,
                                     async_creator=in_loop_connector(path, pragmas))
    else:
        engine = create_async_engine(url, echo=echo, pool_size=pool_size, max_overflow=0,
                                     pool_timeout=60)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    begin = "BEGIN IMMEDIATE" if writer else "BEGIN"

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


# JIT off (see Database); a connection attempt that gets no answer gives up after a few
# seconds (asyncpg waits 60 by default), so that requests during an outage answer 503 quickly
# (store/faults.py) instead of hanging.
_PG_CONNECT: dict[str, Any] = {"server_settings": {"jit": "off"}, "timeout": 5}


class Database:
    """Owns the engines. SQLite gets one writer connection (writes queue in the app, not on
    SQLite's lock) and a pool of readers; PostgreSQL uses one pool for both."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url = engine_url(url)
        self.dialect = dialect_of_url(url)
        sqlite = self.dialect is SQLITE
        # The SQLite file, for the connections Parley opens itself (readers, checkpoints).
        self.sqlite_path = url.split("///", 1)[-1] if sqlite else ""
        if sqlite:
            self.writer = _make_sqlite_engine(url, writer=True, pool_size=1, echo=echo)
            # The hot reads run on the raw read connection (fast()); this pool serves the rest.
            # Each connection has its own page cache and thread: few keep RSS low.
            self.reader = _make_sqlite_engine(url, writer=False, pool_size=4, echo=echo)
            # Brief indexed lookups (lookup()): run in the loop, so no thread hand-offs.
            self._lookups = _make_sqlite_engine(url, writer=False, pool_size=2, echo=echo,
                                                in_loop=True)
        else:
            # JIT compilation costs tens of milliseconds on queries that run in one or two:
            # Parley's queries are all short, indexed lookups.
            # Fixed-size pools: overflow connections were opened and closed per checkout
            # under load (a PostgreSQL connection costs milliseconds to open). No pre-ping: it
            # is three round trips per transaction; a connection the server dropped fails
            # its first statement instead, and SQLAlchemy then replaces the pool's connections.
            self.writer = create_async_engine(url, echo=echo, pool_size=10, max_overflow=0,
                                              connect_args=_PG_CONNECT)
            self.reader = self._lookups = self.writer
            # The raw read path's own small pool, without pre-ping: SQLAlchemy's ping is a
            # transaction round trip or three per checkout, more than a home page's reads.
            # A connection the server closed is noticed locally (is_closed) instead.
            self._fast_engine = create_async_engine(
                url, pool_size=8, max_overflow=0, connect_args=_PG_CONNECT)
        self._write_sessions = async_sessionmaker(self.writer, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self.reader, expire_on_commit=False)
        self._lookup_sessions = async_sessionmaker(self._lookups, expire_on_commit=False)
        # Called with session.info after each commit: the in-process worker wakes for new jobs
        # at once, and streaming publishes the events the transaction recorded.
        self.after_commit: list[Callable[[dict[Any, Any]], Awaitable[None]]] = []
        self._sqlite_fast: SqliteReader | None = None
        # Started by the first write in a running loop (the writer does not checkpoint).
        self._checkpointer = Checkpointer(self.sqlite_path) if sqlite else None
        self._sqlite_fresh: list[SqliteReader] = []  # idle ones

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits when the block ends without error."""
        if self._checkpointer is not None:
            self._checkpointer.start()
        async with self._write_sessions() as session:
            async with session.begin():
                yield session
            for hook in self.after_commit:
                await hook(session.info)

    def read(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A read-only session. Closing it ends its transaction without expiring the loaded
        objects (a rollback would), so callers may keep using what they read."""
        return self._session(self._read_sessions)

    def lookup(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A read-only session for a few indexed lookups (a key, an account, a post by its
        URI), as read() otherwise: on SQLite run in the event loop's thread, as the writer's
        statements are, sparing the two thread hand-offs per statement of read()'s threaded
        connections (most of a received activity's CPU); never for scans. On PostgreSQL,
        read()."""
        return self._session(self._lookup_sessions)

    @asynccontextmanager
    async def _session(self, make: async_sessionmaker[AsyncSession]
                       ) -> AsyncIterator[AsyncSession]:
        session = make()
        try:
            yield session
        finally:
            try:
                await session.close()
            except Exception as exc:
                # A connection lost mid-read has nothing to roll back, and the pool drops it;
                # the answer already made (or the failure being raised) stands.
                if store_failure(exc) is None:
                    raise

    @asynccontextmanager
    async def fast(self) -> AsyncIterator[Reader]:
        """Raw reads for the hot paths (store/rawsql): on SQLite the per-process read
        connection, used without a thread hop inside one deferred transaction; on PostgreSQL
        the asyncpg connection of a pooled SQLAlchemy connection."""
        if self.dialect is SQLITE:
            reader = self._sqlite_fast
            if reader is None:
                reader = self._sqlite_fast = SqliteReader(self.sqlite_path)
            reader.begin()
            try:
                yield reader
            finally:
                reader.end()
            return
        for _ in range(3):
            async with self._fast_engine.connect() as conn:
                raw = await conn.get_raw_connection()
                driver = raw.driver_connection
                if driver is None or driver.is_closed():
                    await conn.invalidate()
                    continue
                yield PgReader(driver)
                return
        raise ConnectionError("no usable PostgreSQL connection for the read path")

    @asynccontextmanager
    async def fresh(self) -> AsyncIterator[Reader]:
        """Raw reads that see every commit made before the call, in one snapshot for the
        block: the publisher renders a batch of committed events, the streaming hub looks up
        whom a committed fan-out reached. On SQLite a connection not shared with requests
        (whose snapshot may be older than the commit), one per open block, kept for reuse
        (the hub's lookups do not wait, so there are rarely more than two); on PostgreSQL
        the read path's (each statement has its own snapshot there)."""
        if self.dialect is not SQLITE:
            async with self.fast() as reader:
                yield reader
            return
        idle = self._sqlite_fresh
        sqlite = idle.pop() if idle else SqliteReader(self.sqlite_path)
        sqlite.begin()
        try:
            yield sqlite
        finally:
            sqlite.end()
            idle.append(sqlite)

    def listener(self, channel: str, wake: Callable[[], None]) -> Listener | None:
        """Calls `wake` when a transaction of another process that sent `channel` (rawwrite's
        Writer.notify) commits; None where the database has no such channel (SQLite: the
        process that commits wakes its own, through after_commit)."""
        return None if self.dialect is SQLITE else Listener(self.url, channel, wake)

    async def dispose(self) -> None:
        if self._checkpointer is not None:
            await self._checkpointer.stop()
        if self.dialect is not SQLITE:
            await self._fast_engine.dispose()
        for reader in (self._sqlite_fast, *self._sqlite_fresh):
            if reader is not None:
                reader.close()
        self._sqlite_fast = None
        self._sqlite_fresh.clear()
        await self.writer.dispose()
        if self.reader is not self.writer:
            await self.reader.dispose()
            await self._lookups.dispose()
