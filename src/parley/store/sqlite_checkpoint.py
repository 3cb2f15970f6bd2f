"""WAL checkpoints of the SQLite database on a worker thread, once a second, and cutting the
log file back to nothing once it is all in the database."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading

from parley.lib.tasks import cancel_and_wait

log = logging.getLogger("parley.store.database")


class Checkpointer:
    """Copies the write-ahead log into the database file on a worker thread, once a second.

    SQLite checkpoints automatically inside the COMMIT that grows the log past 1,000 pages:
    with the writer in the event loop, that copy (tens of milliseconds to seconds after a
    large fan-out) would stall every request. The writer turns automatic checkpoints off
    (`wal_autocheckpoint=0`) and this task does them instead, PASSIVE: they never wait for
    readers or the writer, and a log that could not be copied whole is finished next time.

    A log copied whole is then truncated (TRUNCATE, which must briefly hold the write lock and
    gives up at once if it cannot). SQLite otherwise keeps the file at its largest size and
    writes the next frames over its start. Frames are 4,120 bytes, not page-aligned, so
    overwriting a page of the file the kernel no longer caches reads it back from disk first,
    and this machine's kernel evicts file pages idle for a minute: a 100,000-follower fan-out
    into a cold 80 MB log took 1.4-1.9 s instead of 0.4 s (`python -m bench.sqlite_floor
    --wal cold`). Appending to an empty file reads nothing."""

    def __init__(self, path: str, interval: float = 1.0) -> None:
        self.path = path
        self.interval = interval
        self._task: asyncio.Task[None] | None = None
        self._connection: sqlite3.Connection | None = None
        # Held while a checkpoint runs on its thread: cancelling the task that awaits it does
        # not stop the thread, and closing the connection under a running checkpoint crashes.
        self._busy = threading.Lock()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="parley-sqlite-checkpoint")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await asyncio.to_thread(self._checkpoint)
            except sqlite3.Error as error:  # e.g. the file went away in a test: try again later
                log.warning("WAL checkpoint failed: %s", error)

    def _checkpoint(self) -> None:
        with self._busy:
            if self._connection is None:
                # timeout=0: a TRUNCATE that would have to wait for the writer or a reader gives
                # up instead of holding the write lock while it waits.
                self._connection = sqlite3.connect(self.path, isolation_level=None,
                                                   check_same_thread=False, timeout=0)
            busy, log_frames, copied = self._connection.execute(
                "PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if not busy and log_frames > 0 and copied == log_frames:
                self._connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def _close(self) -> None:
        with self._busy:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
        if self._connection is not None:
            self._connection.interrupt()  # a checkpoint under way stops at its next page
            await asyncio.to_thread(self._close)
