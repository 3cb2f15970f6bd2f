"""Which driver failures mean the database is out of reach (Unavailable: a 503 the client
retries) or its disk is full (OutOfSpace: a 507), whatever the driver, so that the HTTP edge
maps them in one place (http/errors.py) and never answers them with a 500."""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator

from sqlalchemy.exc import DBAPIError

from parley.errors import OutOfSpace, ParleyError, Unavailable

_SQLITE_FULL = 13
_SQLITE_BUSY_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
# SQLSTATEs: 53100 disk full; 53300 too many connections; class 08 connection exceptions;
# 57P01-57P03 admin shutdown, crash shutdown, cannot connect now (starting up).
_PG_FULL = ("53100",)
_PG_UNAVAILABLE = ("53300", "57P01", "57P02", "57P03")


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception, what it wraps (SQLAlchemy's `orig`) and what caused it, a few deep."""
    seen: set[int] = set()
    pending = [exc]
    while pending and len(seen) < 8:
        error = pending.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        yield error
        pending += [e for e in (getattr(error, "orig", None), error.__cause__,
                                error.__context__) if isinstance(e, BaseException)]


def _sqlstate(error: BaseException) -> str:
    state = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    return state if isinstance(state, str) else ""


def _asyncpg_connection_error(error: BaseException) -> bool:
    try:
        import asyncpg
    except ImportError:  # pragma: no cover - a dependency
        return False
    return isinstance(error, asyncpg.ConnectionDoesNotExistError | asyncpg.InterfaceError
                      | asyncpg.PostgresConnectionError)


def store_failure(exc: BaseException) -> ParleyError | None:
    """What a failure of the store means for the client, or None if it is no such failure
    (a bug, a constraint: the caller's to map)."""
    for error in _causes(exc):
        if isinstance(error, ParleyError):
            return None
        state = _sqlstate(error)
        code = int(getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF
        if code == _SQLITE_FULL or state in _PG_FULL or (
                isinstance(error, OSError) and error.errno in _NO_SPACE):
            return OutOfSpace()
        if (isinstance(error, ConnectionError | TimeoutError)
                or (isinstance(error, DBAPIError) and error.connection_invalidated)
                or state.startswith("08") or state in _PG_UNAVAILABLE
                or code in _SQLITE_BUSY_CODES or _asyncpg_connection_error(error)):
            return Unavailable()
    return None
