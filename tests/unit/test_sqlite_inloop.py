"""The in-loop SQLite writer: statements run in the loop's thread, `off_loop()` ones in a worker
thread, and another connection's write lock is waited for without blocking the loop."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from parley.store import sqlite_inloop
from parley.store.database import Database
from parley.store.sqlite_inloop import in_loop_connector, off_loop


def _url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'inloop.sqlite3'}"


async def _thread_of_statement(tmp_path: Path, *, bulk: bool) -> int:
    connect = in_loop_connector(str(tmp_path / "t.sqlite3"), ())
    connection = await connect()
    seen: list[int] = []
    await connection.create_function("thread_id", 0, lambda: seen.append(threading.get_ident()))
    cursor = connection.cursor()
    if bulk:
        with off_loop():
            await cursor.execute("SELECT thread_id()")
    else:
        await cursor.execute("SELECT thread_id()")
    await connection.close()
    return seen[0]


def test_statements_run_in_the_loop_thread_unless_off_loop(tmp_path: Path) -> None:
    loop_thread = threading.get_ident()
    assert asyncio.run(_thread_of_statement(tmp_path, bulk=False)) == loop_thread
    assert asyncio.run(_thread_of_statement(tmp_path, bulk=True)) != loop_thread


async def _write_while_locked(tmp_path: Path) -> tuple[int, int]:
    db = Database(_url(tmp_path))
    async with db.write() as session:
        await session.connection()
        await session.execute(text("CREATE TABLE t (v INTEGER)"))
    other = sqlite3.connect(tmp_path / "inloop.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process's writer holds the lock
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    async def release() -> None:
        await asyncio.sleep(0.2)
        other.execute("INSERT INTO t VALUES (1)")
        other.execute("COMMIT")

    ticking = asyncio.create_task(ticker())
    releasing = asyncio.create_task(release())
    async with db.write() as session:
        await session.execute(text("INSERT INTO t VALUES (2)"))
    await releasing
    ticking.cancel()
    async with db.read() as session:
        count = (await session.execute(text("SELECT count(*) FROM t"))).scalar_one()
    await db.dispose()
    other.close()
    return ticks, count


def test_a_held_write_lock_is_waited_for_without_blocking_the_loop(tmp_path: Path) -> None:
    ticks, count = asyncio.run(_write_while_locked(tmp_path))
    assert count == 2  # both writes landed, none lost
    assert ticks >= 10  # the loop kept running while the writer waited for the lock


async def _write_never_unlocked(tmp_path: Path) -> None:
    db = Database(_url(tmp_path))
    async with db.write() as session:
        await session.execute(text("CREATE TABLE t (v INTEGER)"))
    other = sqlite3.connect(tmp_path / "inloop.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        async with db.write() as session:
            await session.execute(text("INSERT INTO t VALUES (2)"))
    finally:
        other.close()
        await db.dispose()


def test_a_lock_never_released_fails_after_the_wait(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_inloop, "BUSY_WAIT_SECONDS", 0.1)
    with pytest.raises(Exception, match="locked"):
        asyncio.run(_write_never_unlocked(tmp_path))


async def _rows_in_the_database_file(tmp_path: Path) -> tuple[int, int]:
    db = Database(_url(tmp_path))
    assert db._checkpointer is not None
    db._checkpointer.interval = 0.05
    async with db.write() as session:
        await session.execute(text("CREATE TABLE t (v INTEGER)"))
    for value in range(20):
        async with db.write() as session:
            await session.execute(text("INSERT INTO t VALUES (:v)"), {"v": value})
    async with db.write() as session:
        autocheckpoint = (await session.execute(text("PRAGMA wal_autocheckpoint"))).scalar_one()
    await asyncio.sleep(0.3)
    # immutable=1 reads the database file alone, ignoring the log: only checkpointed rows.
    uri = f"file:{tmp_path / 'inloop.sqlite3'}?immutable=1"
    with sqlite3.connect(uri, uri=True) as file_only:
        count = file_only.execute("SELECT count(*) FROM t").fetchone()[0]
    await db.dispose()
    return autocheckpoint, count


def test_the_log_is_checkpointed_off_the_loop_not_in_commits(tmp_path: Path) -> None:
    autocheckpoint, count = asyncio.run(_rows_in_the_database_file(tmp_path))
    assert autocheckpoint == 0
    assert count == 20


async def _lookup_thread_and_write(tmp_path: Path) -> tuple[int, str]:
    db = Database(_url(tmp_path))
    seen: list[int] = []
    try:
        async with db.write() as session:
            await session.execute(text("CREATE TABLE t (v INTEGER)"))
        async with db.lookup() as session:
            raw = await (await session.connection()).get_raw_connection()
            await raw.driver_connection.create_function(  # type: ignore[union-attr]
                "thread_id", 0, lambda: seen.append(threading.get_ident()))
            await session.execute(text("SELECT thread_id()"))
            try:
                await session.execute(text("INSERT INTO t VALUES (1)"))
                refused = ""
            except Exception as error:
                refused = str(error)
    finally:
        await db.dispose()
    return seen[0], refused


def test_lookups_run_in_the_loop_thread_and_only_read(tmp_path: Path) -> None:
    """db.lookup(): brief reads on in-loop connections (no thread hand-off), read-only."""
    thread, refused = asyncio.run(_lookup_thread_and_write(tmp_path))
    assert thread == threading.get_ident()
    assert "readonly" in refused.replace(" ", "").lower()
