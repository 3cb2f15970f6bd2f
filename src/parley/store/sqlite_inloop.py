"""The SQLite write connection run in the event loop's own thread, shaped like aiosqlite's
connection so SQLAlchemy's async engine drives it unchanged.

aiosqlite runs every statement on a thread of its own: two thread hand-offs (and an event-loop
wake-up) per statement, which were most of a reply's server time (100-250 context switches
per reply). The writer's statements are short index writes, cheaper than those hand-offs, so
they run synchronously here. Two things would block the loop, and are handled:

- a statement known to be long (a fan-out batch of thousands of rows) runs inside
  `off_loop()`, which sends it to a worker thread as aiosqlite would;
- another process holding SQLite's write lock: the connection's busy timeout is zero, and a
  statement refused as busy is retried after an asynchronous sleep (SQLite rolls a refused
  statement back whole, so running it again is safe), until `BUSY_WAIT_SECONDS` have passed.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

# As long as the threaded connections' busy_timeout: how long a writer waits for another
# process's write lock before giving up with "database is locked".
BUSY_WAIT_SECONDS = 10.0
_FIRST_BACKOFF = 0.0005
_MAX_BACKOFF = 0.02

_off_loop: ContextVar[bool] = ContextVar("parley_sqlite_off_loop", default=False)


@contextmanager
def off_loop() -> Iterator[None]:
    """Statements run inside this block go to a worker thread: for statements that may take
    long enough to stall every other request (bulk inserts of thousands of rows)."""
    token = _off_loop.set(True)
    try:
        yield
    finally:
        _off_loop.reset(token)


_BUSY_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _is_busy(error: sqlite3.OperationalError) -> bool:
    # The primary result code (the low byte) covers the extended BUSY_* and LOCKED_* codes.
    return (getattr(error, "sqlite_errorcode", 0) & 0xFF) in _BUSY_CODES


async def _run(call: Callable[..., T], *args: Any) -> T:
    """Run a driver call in the loop (or a worker thread inside `off_loop()`), retrying it
    while another connection holds the write lock. In practice only BEGIN IMMEDIATE meets the
    lock: every writer transaction takes it first, so its statements (an executemany too,
    which could not be retried whole) never do."""
    deadline = 0.0
    backoff = _FIRST_BACKOFF
    while True:
        try:
            if _off_loop.get():
                return await asyncio.to_thread(call, *args)
            return call(*args)
        except sqlite3.OperationalError as error:
            if not _is_busy(error):
                raise
            now = time.monotonic()
            deadline = deadline or now + BUSY_WAIT_SECONDS
            if now >= deadline:
                raise
        await asyncio.sleep(backoff)
        backoff = min(backoff * 2, _MAX_BACKOFF)


def _fetch_all(connection: sqlite3.Connection, sql: str, parameters: Any) -> list[Any]:
    return connection.execute(sql, parameters).fetchall()


class InLoopCursor:
    """A sqlite3 cursor with aiosqlite's coroutine methods."""

    def __init__(self, cursor: sqlite3.Cursor, owner: InLoopConnection) -> None:
        self._cursor = cursor
        self._owner = owner

    async def __aenter__(self) -> InLoopCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = ()) -> InLoopCursor:
        await self._owner.run(self._cursor.execute, sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Any) -> InLoopCursor:
        await self._owner.run(self._cursor.executemany, sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return await self._owner.run(self._cursor.fetchone)

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return await self._owner.run(self._cursor.fetchmany, size or self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return await self._owner.run(self._cursor.fetchall)

    async def nextset(self) -> None:
        return None

    async def close(self) -> None:
        self._cursor.close()


class InLoopConnection:
    """A sqlite3 connection with the aiosqlite methods SQLAlchemy's aiosqlite dialect calls."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        # SQLAlchemy's adapter checks `_connection` to tell an open connection from a closed one.
        self._connection: sqlite3.Connection | None = connection
        self._heavy = False  # this transaction ran statements off the loop

    @property
    def _open(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")
        return self._connection

    @property
    def isolation_level(self) -> str | None:
        return self._open.isolation_level

    @property
    def in_transaction(self) -> bool:
        return self._open.in_transaction

    def cursor(self) -> InLoopCursor:
        return InLoopCursor(self._open.cursor(), self)

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> InLoopCursor:
        return await self.cursor().execute(sql, parameters)

    async def fetch(self, sql: str, parameters: Any) -> list[Any]:
        """Rows of one statement, without a cursor object of ours (the raw write path)."""
        return await self.run(_fetch_all, self._open, sql, parameters)

    async def execute_many(self, sql: str, parameters: Sequence[Any]) -> None:
        await self.run(self._open.executemany, sql, parameters)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._open.create_function(*args, **kwargs)

    async def run(self, call: Callable[..., T], *args: Any) -> T:
        """One driver call (see _run); remembers that the transaction did bulk work."""
        if _off_loop.get():
            self._heavy = True
        return await _run(call, *args)

    async def commit(self) -> None:
        await self._end(self._open.commit)

    async def rollback(self) -> None:
        await self._end(self._open.rollback)

    async def _end(self, call: Callable[[], None]) -> None:
        """COMMIT or ROLLBACK: after bulk work, off the loop too (writing thousands of rows'
        pages to the log takes tens of milliseconds)."""
        heavy, self._heavy = self._heavy, False
        if heavy:
            with off_loop():
                await _run(call)
        else:
            await _run(call)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def in_loop_connector(path: str, pragmas: Sequence[str]) -> Callable[[], Any]:
    """An `async_creator` for create_async_engine: opens the in-loop connection with the
    given pragmas (autocommit at the driver level: SQLAlchemy's `begin` listener issues BEGIN)."""
    async def connect() -> InLoopConnection:
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in pragmas:
            connection.execute(pragma)
        return InLoopConnection(connection)
    return connect

