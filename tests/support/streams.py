"""Streaming helpers for tests: a listener that records events, and a background stream."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mastodon.streaming import StreamListener

from support.clients import eventually


class Recorder(StreamListener):
    """Keeps every event a stream delivered, in arrival order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []
        self.lock = threading.Lock()

    def on_update(self, status: Any) -> None:
        self._add("update", status)

    def on_notification(self, notification: Any) -> None:
        self._add("notification", notification)

    def on_delete(self, status_id: Any) -> None:
        self._add("delete", status_id)

    def on_status_update(self, status: Any) -> None:
        self._add("status_update", status)

    def on_filters_changed(self) -> None:
        self._add("filters_changed", None)

    def on_conversation(self, conversation: Any) -> None:
        self._add("conversation", conversation)

    def _add(self, name: str, data: Any) -> None:
        with self.lock:
            self.events.append((name, data))

    def of(self, name: str) -> list[Any]:
        with self.lock:
            return [data for kind, data in self.events if kind == name]


@contextmanager
def streaming(open_stream: Any) -> Iterator[Recorder]:
    """Open a stream in the background, yield its recorder, close it afterwards."""
    recorder = Recorder()
    handle = open_stream(recorder, run_async=True, timeout=30)
    try:
        assert eventually(handle.is_receiving, timeout=10)
        yield recorder
    finally:
        handle.close()
