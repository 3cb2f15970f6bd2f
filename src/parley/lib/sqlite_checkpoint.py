"""WAL checkpoints of the SQLite database on a worker thread, once a second."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading

from parley.lib.tasks import cancel_and_wait

log = logging.getLogger("parley.db")


class Checkpointer:
    """Copies the write-ahead log into the database file on a worker thread, once a second.

    SQLite checkpoints automatically inside the COMMIT that grows the log past 1,000 pages:
    with the writer in the event loop, that copy (tens of milliseconds to seconds after a
    large fan-out) would stall every request. The writer turns automatic checkpoints off
    (`wal_autocheckpoint=0`) and this task does them instead, PASSIVE: they never wait for
    readers or the writer, and a log that could not be copied whole is finished next time."""

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
                self._connection = sqlite3.connect(self.path, isolation_level=None,
                                                   check_same_thread=False)
            self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

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
