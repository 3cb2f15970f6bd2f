"""Wake-ups across processes on PostgreSQL (LISTEN/NOTIFY). A transaction sends a NOTIFY on a
channel (rawwrite's `Writer.notify`), which PostgreSQL delivers when (and only if) it
commits; a `Listener` keeps a connection of its own LISTENing and calls back. The job queue
uses it so that a job queued by a web process (or by another worker: the batches of a large
fan-out) starts at once, not at a worker's next poll. Polling stays the fallback: a lost
listener connection costs latency, never work. SQLite has no such channel: there, the
process that commits wakes its own worker (Database.after_commit)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from sqlalchemy.engine import make_url

from parley.lib.tasks import cancel_and_wait
from parley.store.rawsql import Sql

log = logging.getLogger("parley.store")
# How long to wait before listening again after the connection was lost or refused.
RETRY_S = 5.0


def asyncpg_dsn(url: str) -> str:
    """The plain postgresql:// form of a SQLAlchemy URL, as asyncpg takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


_NOTIFY: dict[str, Sql] = {}


def notify_sql(channel: str) -> Sql:
    """The NOTIFY a transaction sends on `channel` (identical notifications of one transaction
    are delivered once: one per transaction is enough)."""
    found = _NOTIFY.get(channel)
    if found is None:
        found = _NOTIFY[channel] = Sql(f"SELECT pg_notify('{channel}', '')")
    return found


class Listener:
    """Keeps a LISTEN connection open and calls `wake` for each notification on `channel`."""

    def __init__(self, url: str, channel: str, wake: Callable[[], None]) -> None:
        self.dsn = asyncpg_dsn(url)
        self.channel = channel
        self.wake = wake
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._listen_forever(),
                                         name=f"parley-listener-{self.channel}")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _listen_forever(self) -> None:
        while True:
            await self._listen_once()
            await asyncio.sleep(RETRY_S)

    async def _listen_once(self) -> None:
        """Listen on one connection until it is lost (or cannot be opened)."""
        import asyncpg

        try:
            conn = await asyncpg.connect(self.dsn)
        except (OSError, asyncpg.PostgresError) as error:
            log.warning("%s listener could not connect (polling meanwhile): %s",
                        self.channel, error)
            return
        lost = asyncio.Event()
        try:
            conn.add_termination_listener(lambda _conn: lost.set())
            await conn.add_listener(self.channel, self._notified)
            self.wake()  # anything queued while nobody listened is found by the next look
            await lost.wait()
            log.warning("%s listener connection lost; polling until it is back", self.channel)
        finally:
            with suppress(Exception):
                await conn.close()

    def _notified(self, *_args: Any) -> None:
        self.wake()
