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
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from parley.lib.ids import parse_id
from parley.streaming.channels import Reach, followers_owner, home, home_owner, reach_of

log = logging.getLogger("parley.streaming")

QUEUE_LIMIT = 256  # events buffered per subscriber before it is judged too slow



@dataclass(frozen=True, slots=True)
class BroadcastPost:
    """What the home rules need to know of a broadcast account's post (read off its event)."""

    author_id: int
    repost: bool = False
    # A reply to someone else reaches only followers who also follow that someone.
    reply_to_account_id: int | None = None
    # Homes the fan-out wrote it into by name (a mentioned follower's) heard of it by name.
    post_id: int | None = None


# Resolves a broadcast account's post to the locally connected accounts whose home gets it.
FollowerResolver = Callable[[BroadcastPost, Sequence[int]], Awaitable[Collection[int]]]
# Of these (connected) accounts, those whose home holds the post: a fan-out batch's receivers.
HomesResolver = Callable[[int, Sequence[int]], Awaitable[Collection[int]]]


@dataclass(frozen=True, slots=True)
class Message:
    channel: str
    data: bytes


class Subscription:
    """One client's view of the broker: the channels it listens to and its bounded backlog.

    Kept small because a server holds thousands of idle ones: no asyncio.Queue (three deques
    and a dict each), only a list made when a message arrives. A streaming connection passes
    `wake`, called (synchronously) whenever a message is added or the subscription overflows;
    without it `get()` waits for the next message.
    """

    __slots__ = ("_waiter", "channels", "hub", "overflowed", "pending", "wake")

    def __init__(self, hub: Hub, wake: Callable[[], None] | None = None) -> None:
        self.hub = hub
        self.channels: list[str] = []  # a stream has one or two; a list is the smallest
        self.pending: list[Message] | None = None
        self.overflowed = False
        self.wake = wake
        self._waiter: asyncio.Future[None] | None = None

    def add(self, channel: str) -> None:
        if channel not in self.channels:
            self.channels.append(channel)
            self.hub.attach(self, channel)

    def remove(self, channel: str) -> None:
        if channel in self.channels:
            self.channels.remove(channel)
            self.hub.detach(self, channel)

    def take(self) -> list[Message]:
        """Every message waiting, oldest first (the backlog is emptied)."""
        batch, self.pending = self.pending, None
        return batch or []

    async def get(self) -> Message | None:
        """The next message, or None once the subscription was closed for being too slow."""
        while not self.pending and not self.overflowed:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        if self.overflowed:
            return None
        assert self.pending
        return self.pending.pop(0)

    def offer(self, message: Message) -> None:
        if self.overflowed:
            return
        if self.pending is None:
            self.pending = [message]
        elif len(self.pending) < QUEUE_LIMIT:
            self.pending.append(message)
        else:
            # A slow or dead client must never hold up the others: drop it, it reconnects.
            self.overflowed = True
            self.pending = None
            log.warning("streaming subscriber fell %d events behind; closing it", QUEUE_LIMIT)
        self._notify()

    def _notify(self) -> None:
        if self.wake is not None:
            self.wake()
        elif self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def close(self) -> None:
        for channel in list(self.channels):
            self.remove(channel)


class Hub:
    """Local subscribers by channel, and the resolution of broadcast posts to the connected
    followers' home channels.

    Deliveries keep their order: while a broadcast event waits for its follower query, later
    deliveries queue behind it (one drain task per hub, never one per event or subscriber).
    """

    def __init__(self) -> None:
        self.subscribers: dict[str, set[Subscription]] = defaultdict(set)
        self.resolve_followers: FollowerResolver | None = None
        self.resolve_homes: HomesResolver | None = None
        self._backlog: deque[tuple[str, bytes]] = deque()
        self._drain: asyncio.Task[None] | None = None

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
        if followers_owner(channel) is not None:
            if self.resolve_followers is not None:  # None: a process without streams
                self._queue(channel, data)
        elif channel.startswith("reached:"):
            if self.resolve_homes is not None:
                self._queue(channel, data)
        elif self._backlog:
            self._queue(channel, data)
        else:
            self._hand_out(channel, data)

    def deliver_many(self, channels: Iterable[str], data: bytes) -> None:
        for channel in channels:
            self.deliver(channel, data)

    def _hand_out(self, channel: str, data: bytes) -> None:
        members = self.subscribers.get(channel)
        if not members:
            return
        message = Message(channel, data)
        for subscription in list(members):
            subscription.offer(message)

    def _queue(self, channel: str, data: bytes) -> None:
        self._backlog.append((channel, data))
        if self._drain is None:
            self._drain = asyncio.create_task(self._drain_backlog(), name="parley-hub-drain")

    async def _drain_backlog(self) -> None:
        try:
            while self._backlog:
                channel, data = self._backlog[0]
                author, reach = followers_owner(channel), reach_of(channel)
                if author is not None:
                    await self._broadcast(author, data)
                elif reach is not None:
                    await self._reached(reach, data)
                else:
                    self._hand_out(channel, data)
                self._backlog.popleft()
        finally:
            self._drain = None
            if self._backlog:  # only after a failure: the rest must not wait forever
                self._drain = asyncio.create_task(self._drain_backlog())

    def connected_home_owners(self) -> list[int]:
        """The accounts with a home (user) stream open in this process."""
        found = (home_owner(channel) for channel in self.subscribers)
        return [owner for owner in found if owner is not None]

    async def _broadcast(self, author: int, data: bytes) -> None:
        """A broadcast account's post to the home streams of its connected followers: one
        query over this process's connected accounts, whatever their number."""
        connected = self.connected_home_owners()
        if not connected or self.resolve_followers is None:
            return
        post = _broadcast_post(author, orjson.loads(data))
        await self._hand_out_homes(self.resolve_followers(post, connected), data,
                                   f"the followers of broadcast account {author}")

    async def _reached(self, reach: Reach, data: bytes) -> None:
        """A fan-out batch to the home streams of the connected accounts it reached: one
        lookup among this process's connected accounts in the batch's follower range (none
        when nobody in it is connected, the common case for a large audience)."""
        post_id, after, upper = reach
        candidates = [owner for owner in self.connected_home_owners()
                      if (after is None or owner > after) and (upper is None or owner <= upper)]
        if not candidates or self.resolve_homes is None:
            return
        await self._hand_out_homes(self.resolve_homes(post_id, candidates), data,
                                   f"the homes post {post_id} reached")

    async def _hand_out_homes(self, lookup: Awaitable[Collection[int]], data: bytes,
                              what: str) -> None:
        """Hand `data` to the home streams of the accounts `lookup` finds."""
        try:
            owners = await lookup
        except Exception:  # one failed lookup must not stop every stream of the process
            log.exception("could not look up %s", what)
            return
        for owner in owners:
            self._hand_out(home(owner), data)

    @property
    def subscriber_count(self) -> int:
        return len({s for members in self.subscribers.values() for s in members})


def _broadcast_post(author: int, event: dict[str, Any]) -> BroadcastPost:
    payload = event.get("payload")
    status = orjson.loads(payload) if isinstance(payload, str) else None
    if not isinstance(status, dict):
        return BroadcastPost(author)
    reply_to = status.get("in_reply_to_account_id")
    reply_to_other = int(reply_to) if reply_to and int(reply_to) != author else None
    post_id = status.get("id")
    return BroadcastPost(author, repost=status.get("reblog") is not None,
                         reply_to_account_id=reply_to_other,
                         post_id=parse_id(post_id))


class Broker:
    """The in-process broker: publishing delivers straight to this process's subscribers."""

    def __init__(self) -> None:
        self.hub = Hub()

    def subscribe(self, wake: Callable[[], None] | None = None) -> Subscription:
        return Subscription(self.hub, wake)

    async def publish(self, channel: str, event: dict[str, Any]) -> None:
        self.hub.deliver(channel, orjson.dumps(event))

    async def publish_many(self, channels: list[str], event: dict[str, Any]) -> None:
        """The same event on many channels (a home fan-out batch)."""
        self.hub.deliver_many(channels, orjson.dumps(event))

    async def publish_each(self, messages: Sequence[tuple[list[str], dict[str, Any]]]
                           ) -> None:
        """Several events, each on its channels, in order (a batch of notifications)."""
        for channels, event in messages:
            self.hub.deliver_many(channels, orjson.dumps(event))

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def healthy(self) -> bool:
        return True

    def heard(self) -> bool:
        """Whether what is published now can reach anyone: through this broker, only this
        process's own subscribers (a process nobody is streaming from renders nothing)."""
        return bool(self.hub.subscribers)


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

    def heard(self) -> bool:
        """Other processes' subscribers are not known here: always."""
        return True

    async def publish(self, channel: str, event: dict[str, Any]) -> None:
        await self.publish_many([channel], event)

    async def publish_many(self, channels: list[str], event: dict[str, Any]) -> None:
        await self.redis.publish(self.channel, orjson.dumps({"c": channels, "e": event}))

    async def publish_each(self, messages: Sequence[tuple[list[str], dict[str, Any]]]
                           ) -> None:
        """One pipelined round trip for the lot (awaiting each publish in turn made the
        publisher fall behind under load), in order."""
        if not messages:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for channels, event in messages:
                pipe.publish(self.channel, orjson.dumps({"c": channels, "e": event}))
            await pipe.execute()

    async def _read(self) -> None:
        while True:
            try:
                message = await self.pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # Redis went away; redis-py subscribes again
                log.warning("redis broker read failed (%s); retrying", error)
                await asyncio.sleep(1)
                continue
            if message is not None and message.get("type") == "message":
                self._dispatch(message["data"])

    def _dispatch(self, data: bytes) -> None:
        envelope = orjson.loads(data)
        local = [c for c in envelope["c"] if c in self.hub.subscribers
                 or followers_owner(c) is not None or c.startswith("reached:")]
        if local:
            self.hub.deliver_many(local, orjson.dumps(envelope["e"]))


def create_broker(redis_url: str, prefix: str = "parley") -> Broker:
    """Redis when configured (several processes), else in-process (the embedded default)."""
    return RedisBroker(redis_url, prefix) if redis_url else Broker()
