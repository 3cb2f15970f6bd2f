"""The one SSE heartbeat timer of a process, shared by all its SSE connections (so it also
knows them all, to end them when the process stops)."""

from __future__ import annotations

import asyncio
from typing import Any

from parley.api.streaming.connection import Connection


class Heartbeats:
    """One timer for all SSE connections of a process: every `interval` seconds it wakes
    each connection's writer to send a comment (proxies drop silent streams)."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.members: set[Connection] = set()
        self._timer: asyncio.TimerHandle | None = None

    def add(self, connection: Connection) -> None:
        self.members.add(connection)
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.interval, self._beat)

    def discard(self, connection: Connection) -> None:
        self.members.discard(connection)

    def end_all(self) -> None:
        """The process is stopping: every SSE response ends (WebSockets are closed by the
        server with 1012), so the server waits only for the requests in flight."""
        for connection in list(self.members):
            connection.end()

    def _beat(self) -> None:
        self._timer = None
        for connection in list(self.members):
            connection.beat()
        if self.members:
            self._timer = asyncio.get_running_loop().call_later(self.interval, self._beat)


def heartbeats_of(state: Any) -> Heartbeats:
    """The application's timer, made on first use (the settings say how often)."""
    found: Heartbeats | None = getattr(state, "heartbeats", None)
    if found is None:
        found = state.heartbeats = Heartbeats(state.settings.streaming_heartbeat)
    return found
