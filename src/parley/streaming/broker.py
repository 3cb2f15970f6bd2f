"""Publish/subscribe of events: one local hub of subscribers per process, and a transport
that is either the process itself (embedded) or Redis pub/sub (many processes).

Over Redis every event travels on one Redis channel as an envelope naming its Parley channels;
each process holds one Redis subscription however many clients it serves, and its hub hands
the event to the local subscribers of those channels. A home-timeline fan-out batch for
thousands of followers is therefore one publish, not one per follower.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

log = logging.getLogger("parley.streaming")

QUEUE_LIMIT = 256  # events buffered per subscriber before it is judged too slow


@dataclass(frozen=True, slots=True)
class Message:
    channel: str
    data: bytes


@dataclass(eq=False)
class Subscription:
    """One client's view of the broker: the channels it listens to and its bounded queue."""

    hub: Hub
    channels: set[str] = field(default_factory=set)
    queue: asyncio.Queue[Message | None] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))
    overflowed: bool = False

    def add(self, channel: str) -> None:
        if channel not in self.channels:
            self.channels.add(channel)
            self.hub.attach(self, channel)

    def remove(self, channel: str) -> None:
        if channel in self.channels:
            self.channels.discard(channel)
            self.hub.detach(self, channel)

    async def get(self) -> Message | None:
        """The next message, or None once the subscription was closed for being too slow."""
        return await self.queue.get()

    def offer(self, message: Message) -> None:
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            # A slow or dead client must never hold up the others: drop it, it reconnects.
            self.overflowed = True
            log.warning("streaming subscriber fell %d events behind; closing it", QUEUE_LIMIT)
            self.queue.get_nowait()
            self.queue.put_nowait(None)

    def close(self) -> None:
        for channel in list(self.channels):
            self.remove(channel)


class Hub:
    """Local subscribers by channel."""

    def __init__(self) -> None:
        self.subscribers: dict[str, set[Subscription]] = defaultdict(set)

    def attach(self, subscription: Subscription, channel: str) -> None:
        self.subscribers[channel].add(subscription)

    def detach(self, subscription: Subscription, channel: str) -> None:
        members = self.subscribers.get(channel)
        if members is None:
            return
        members.discard(subscription)
        if not members:
            del self.subscribers[channel]

    def deliver(self, channel: str, data: bytes) -> None:
        members = self.subscribers.get(channel)
        if not members:
            return
        message = Message(channel, data)
        for subscription in list(members):
            subscription.offer(message)

    def deliver_many(self, channels: Iterable[str], data: bytes) -> None:
        for channel in channels:
            self.deliver(channel, data)

    @property
    def subscriber_count(self) -> int:
        return len({s for members in self.subscribers.values() for s in members})


class Broker:
    """The in-process broker: publishing delivers straight to this process's subscribers."""

    def __init__(self) -> None:
        self.hub = Hub()

    def subscribe(self) -> Subscription:
        return Subscription(self.hub)

    async def publish(self, channel: str, event: dict[str, Any]) -> None:
        self.hub.deliver(channel, orjson.dumps(event))

    async def publish_many(self, channels: list[str], event: dict[str, Any]) -> None:
        """The same event on many channels (a home fan-out batch)."""
        self.hub.deliver_many(channels, orjson.dumps(event))

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def healthy(self) -> bool:
        return True


class RedisBroker(Broker):
    """Redis pub/sub transport: any process's publish reaches every process's subscribers."""

    def __init__(self, url: str, prefix: str) -> None:
        super().__init__()
        import redis.asyncio as redis

        self.redis = redis.from_url(url)
        self.channel = f"{prefix}:events"
        self.pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.pubsub.subscribe(self.channel)
        self._reader = asyncio.create_task(self._read(), name="parley-redis-broker")

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self.pubsub.aclose()
        await self.redis.aclose()

    async def healthy(self) -> bool:
        try:
            return bool(await self.redis.ping())
        except Exception:
            return False

    async def publish(self, channel: str, event: dict[str, Any]) -> None:
        await self.publish_many([channel], event)

    async def publish_many(self, channels: list[str], event: dict[str, Any]) -> None:
        await self.redis.publish(self.channel, orjson.dumps({"c": channels, "e": event}))

    async def _read(self) -> None:
        while True:
            try:
                message = await self.pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("redis broker read failed; retrying")
                await asyncio.sleep(1)
                continue
            if message is not None and message.get("type") == "message":
                self._dispatch(message["data"])

    def _dispatch(self, data: bytes) -> None:
        envelope = orjson.loads(data)
        local = [c for c in envelope["c"] if c in self.hub.subscribers]
        if local:
            self.hub.deliver_many(local, orjson.dumps(envelope["e"]))


def create_broker(redis_url: str, prefix: str = "parley") -> Broker:
    """Redis when configured (several processes), else in-process (the embedded default)."""
    return RedisBroker(redis_url, prefix) if redis_url else Broker()
