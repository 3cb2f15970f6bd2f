"""The WAL checkpointer: stopping it while a checkpoint runs on its thread waits for that
checkpoint instead of closing the connection under it (which crashed the process)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from parley.store.sqlite_checkpoint import Checkpointer


def _database_with_a_long_wal(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)")
    conn.execute("INSERT INTO t (body) SELECT randomblob(2000) FROM "
                 "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000)"
                 " SELECT i FROM n)")
    conn.close()


async def _stop_mid_checkpoint(path: Path, rounds: int) -> int:
    checkpoints = 0
    for round_ in range(rounds):
        # A fresh log each round, so every checkpoint has pages to copy.
        with sqlite3.connect(path, isolation_level=None) as conn:
            conn.execute("PRAGMA wal_autocheckpoint=0")
            conn.execute("UPDATE t SET body = randomblob(2000) WHERE id % 4 = ?", (round_ % 4,))
        checkpointer = Checkpointer(str(path), interval=0)
        checkpointer.start()
        await asyncio.sleep(0.001 * (round_ % 5))  # stop at different points of its run
        await checkpointer.stop()
        checkpoints += 1
    return checkpoints


def test_stopping_during_a_checkpoint_waits_for_it(tmp_path: Path) -> None:
    path = tmp_path / "wal.sqlite3"
    _database_with_a_long_wal(path)
    assert asyncio.run(_stop_mid_checkpoint(path, rounds=20)) == 20
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _wal_size(path: Path) -> int:
    wal = Path(f"{path}-wal")
    return wal.stat().st_size if wal.exists() else 0


async def _ticks(checkpointer: Checkpointer, seconds: float) -> None:
    checkpointer.start()
    await asyncio.sleep(seconds)
    await checkpointer.stop()


def test_a_log_copied_whole_is_truncated(tmp_path: Path) -> None:
    path = tmp_path / "wal.sqlite3"
    _database_with_a_long_wal(path)
    writer = sqlite3.connect(path, isolation_level=None)  # open: the log outlives the test's writes
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("UPDATE t SET body = randomblob(2000) WHERE id % 2 = 0")
    assert _wal_size(path) > 1_000_000
    asyncio.run(_ticks(Checkpointer(str(path), interval=0.01), 0.3))
    assert _wal_size(path) == 0
    assert writer.execute("SELECT count(*) FROM t").fetchone()[0] == 4000
    writer.close()


def test_truncating_never_waits_for_a_reader_or_blocks_the_writer(tmp_path: Path) -> None:
    """A reader's snapshot still in the log: the checkpointer gives up on truncating (it would
    have to wait for the reader while holding the write lock) and the writer keeps writing
    with no busy timeout of its own; once the reader is done, the log is cut back."""
    path = tmp_path / "wal.sqlite3"
    _database_with_a_long_wal(path)
    writer = sqlite3.connect(path, isolation_level=None, timeout=0)
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("UPDATE t SET body = randomblob(2000) WHERE id % 2 = 0")
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM t").fetchone()[0] == 4000

    async def write_while_it_runs() -> None:
        checkpointer = Checkpointer(str(path), interval=0.005)
        checkpointer.start()
        for round_ in range(20):
            await asyncio.sleep(0.01)
            writer.execute("INSERT INTO t (body) VALUES (?)", (b"x" * round_,))
        await checkpointer.stop()

    asyncio.run(write_while_it_runs())
    assert _wal_size(path) > 0
    reader.execute("COMMIT")
    reader.close()
    asyncio.run(_ticks(Checkpointer(str(path), interval=0.01), 0.3))
    assert _wal_size(path) == 0
    assert writer.execute("SELECT count(*) FROM t").fetchone()[0] == 4020
    writer.close()
