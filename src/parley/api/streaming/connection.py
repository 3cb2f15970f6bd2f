"""One streaming client's subscription, open streams and short-lived writer task."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import orjson
from starlette.types import Send

from parley.api.streaming.access import authorise_stream
from parley.api.streaming.gate import STATUS_EVENTS, Gate
from parley.store.database import Database
from parley.streaming import channels
from parley.streaming.broker import Broker, Message

log = logging.getLogger("parley.streaming")


class Connection:
    """One streaming client: its subscription, the streams it opened (by channel), its gate,
    and the writer task that exists only while there is something to send. An idle client
    costs its subscription and this object, no task (issue 4). Subclasses say how to write."""

    __slots__ = (
        "beat_due",
        "db",
        "done",
        "ending",
        "gate",
        "send",
        "streams",
        "subscription",
        "viewer_id",
        "writer",
    )

    def __init__(self, db: Database, broker: Broker, viewer_id: int | None, send: Send) -> None:
        self.db = db
        self.viewer_id = viewer_id
        self.send = send
        self.subscription = broker.subscribe(self._wake)
        if viewer_id is not None:  # a new block or mute must hold from the very next event
            self.subscription.add(channels.exclusions(viewer_id))
        # channel -> the streams opened on it (nearly always one; a tuple is the smallest)
        self.streams: dict[str, tuple[channels.Stream, ...]] = {}
        self.gate = Gate(db, viewer_id)
        self.writer: asyncio.Task[None] | None = None
        self.beat_due = False
        self.done = False
        self.ending = False

    async def open(self, stream: channels.Stream) -> None:
        """Subscribe to `stream`. Streams may share a channel (`user` and
        `user:notification` both carry notifications): each gets its own copy, as in
        Mastodon; the same stream twice is one."""
        await authorise_stream(self.db, stream, self.viewer_id)
        for channel in stream.channels:
            opened = self.streams.get(channel, ())
            if stream not in opened:
                self.streams[channel] = (*opened, stream)
            self.subscription.add(channel)

    def close_stream(self, stream: channels.Stream) -> None:
        """Unsubscribe `stream` only: a channel stays while another stream still uses it."""
        for channel in stream.channels:
            left = tuple(other for other in self.streams.get(channel, ()) if other != stream)
            if left:
                self.streams[channel] = left
            else:
                self.streams.pop(channel, None)
                self.subscription.remove(channel)

    def beat(self) -> None:
        self.beat_due = True
        self._wake()

    def end(self) -> None:
        """The process is stopping: finish the response once what is queued is sent (the
        client reconnects, to another process or to this one restarted)."""
        self.ending = True
        self._wake()

    def _wake(self) -> None:
        if self.writer is None and not self.done:
            self.writer = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        try:
            while not self.done:
                if self.subscription.overflowed:  # fell too far behind: it will reconnect
                    self.done = True
                    await self.close_slow()
                    return
                batch = self.subscription.take()
                beat, self.beat_due = self.beat_due, False
                if not batch and not beat:
                    if self.ending:
                        self.done = True
                        await self.close_slow()
                    return
                for message in batch:
                    await self._deliver(message)
                if beat:
                    await self.heartbeat()
        except Exception:  # the client is gone or broke the protocol: end quietly
            log.debug("streaming writer ended", exc_info=True)
            self.done = True
        finally:
            self.writer = None

    async def _deliver(self, message: Message) -> None:
        streams = self.streams.get(message.channel)
        if streams is None:
            if message.channel.startswith("exclusions:"):
                self.gate.exclusions_changed()
            return
        event = orjson.loads(message.data)
        name = event["event"]
        if name == "filters_changed":
            self.gate.filters_changed()
        if not await self.gate.admits(event):
            return
        for stream in streams:
            payload: str | None = event["payload"]
            if stream.context is not None and name in STATUS_EVENTS and payload is not None:
                payload = await self.gate.filter(payload, stream.context)
                if payload is None:
                    continue
            await self.write(stream, name, payload or "")

    async def stop(self) -> None:
        """The client left (or was closed): unsubscribe and stop writing."""
        self.done = True
        self.subscription.close()
        writer = self.writer
        if writer is not None:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await writer

    async def write(self, stream: channels.Stream, event: str, payload: str) -> None:
        raise NotImplementedError

    async def heartbeat(self) -> None:
        return None

    async def close_slow(self) -> None:
        raise NotImplementedError
