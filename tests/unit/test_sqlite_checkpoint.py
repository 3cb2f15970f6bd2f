"""The WAL checkpointer: stopping it while a checkpoint runs on its thread waits for that
checkpoint instead of closing the connection under it (which crashed the process)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from parley.lib.sqlite_checkpoint import Checkpointer


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
