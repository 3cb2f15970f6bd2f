"""Turns committed domain events into Mastodon streaming events on the broker.

Runs as one task per process, fed in commit order by the database's after-commit hook, so a
stream sees events in the order their transactions committed. A status is rendered once per
event (as a signed-out viewer would see it, viewer-specific flags false) and the same bytes go
to every channel; a notification is rendered for its one recipient.

Events waiting in the queue are taken together (at most MAX_BATCH): consecutive new posts are
rendered in one render_statuses call, consecutive notifications in one render per recipient,
from the rows the writing transaction put in the event (no re-read of what it just wrote).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from itertools import groupby
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.api.entities.conversations import render_conversations
from parley.api.entities.notifications import render_notifications
from parley.api.entities.statuses import render_status, render_statuses
from parley.config import Settings
from parley.conversations.direct import participant_views
from parley.db import Database
from parley.notifications.models import Notification
from parley.posts.models import Post, PostTag, Tag
from parley.streaming import channels
from parley.streaming.broker import Broker
from parley.streaming.events import (
    BroadcastDelivered,
    ConversationUpdated,
    Delivered,
    DomainEvent,
    ExclusionsChanged,
    FiltersChanged,
    NotificationCreated,
    PostCreated,
    PostDeleted,
    PostUpdated,
    take,
)
from parley.timelines.audience import homes_showing
from parley.timelines.broadcast import is_broadcast

log = logging.getLogger("parley.streaming")
# Events published per batch: enough to share the renders of a burst, few enough that one
# batch never holds the event loop for long.
MAX_BATCH = 64


def _event(name: str, payload: Any, **meta: Any) -> dict[str, Any]:
    """The broker's event: Mastodon's name and payload (a JSON string), plus metadata that
    lets each subscriber filter (author, for blocks and mutes)."""
    text = payload if isinstance(payload, str) else orjson.dumps(payload).decode()
    return {"event": name, "payload": text, **meta}


def _post_event(name: str, payload: Any, post: Post) -> dict[str, Any]:
    """A post's event carries its author and domain, for each subscriber's block/mute gate."""
    return _event(name, payload, account_id=post.account_id, domain=post.domain)


def _broadcast(post: Post) -> bool:
    """Mastodon's public and hashtag streams: public originals, no replies to others."""
    replied_to = post.in_reply_to_account_id
    return (post.visibility == "public" and post.repost_of_id is None
            and replied_to in (None, post.account_id))


def _public_channels(local: bool, tags: list[str] | tuple[str, ...]) -> list[str]:
    found = [channels.PUBLIC, channels.PUBLIC_LOCAL if local else channels.PUBLIC_REMOTE]
    for tag in tags:
        found.append(channels.hashtag(tag))
        if local:
            found.append(channels.hashtag(tag, local=True))
    return found


class Publisher:
    """Consumes domain events after commit and publishes them in order."""

    def __init__(self, db: Database, broker: Broker, settings: Settings) -> None:
        self.db = db
        self.broker = broker
        self.settings = settings
        self.queue: asyncio.Queue[DomainEvent] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def after_commit(self, info: dict[Any, Any]) -> None:
        for event in take(info):
            self.queue.put_nowait(event)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="parley-publisher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while len(batch) < MAX_BATCH and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            for _kind, run in groupby(batch, key=type):
                try:
                    await self.publish_many(list(run))
                except Exception:  # a failed render must not stop the stream for everyone
                    log.exception("could not publish %s", batch)

    async def publish_many(self, events: Sequence[DomainEvent]) -> None:
        """Publish consecutive events of one kind, in order, sharing their renders."""
        if isinstance(events[0], NotificationCreated):
            await self._notifications(
                [event for event in events if isinstance(event, NotificationCreated)])
        elif isinstance(events[0], PostCreated):
            await self._created([event for event in events if isinstance(event, PostCreated)])
        else:
            for event in events:
                await self.publish(event)

    async def publish(self, event: DomainEvent) -> None:
        if isinstance(event, Delivered):
            await self._delivered(event)
        elif isinstance(event, BroadcastDelivered):
            await self._broadcast_delivered(event)
        elif isinstance(event, NotificationCreated):
            await self._notifications([event])
        elif isinstance(event, PostCreated):
            await self._created([event])
        elif isinstance(event, PostDeleted):
            await self._deleted(event)
        elif isinstance(event, PostUpdated):
            await self._updated(event)
        elif isinstance(event, ConversationUpdated):
            await self._conversation(event)
        elif isinstance(event, FiltersChanged):
            # Mastodon sends no payload; clients refetch their filters.
            await self.broker.publish(channels.home(event.account_id),
                                      _event("filters_changed", "undefined"))
        elif isinstance(event, ExclusionsChanged):
            await self.broker.publish_many(
                [channels.exclusions(account_id) for account_id in event.account_ids],
                _event("exclusions_changed", ""))

    async def _render_post(self, post_id: int) -> tuple[Post, dict[str, Any]] | None:
        async with self.db.read() as session:
            post = await session.get(Post, post_id)
            if post is None:
                return None
            return post, await render_status(session, post, viewer_id=None,
                                             settings=self.settings)

    @staticmethod
    async def _tags(session: AsyncSession, post_id: int) -> list[str]:
        return list((await session.scalars(
            select(Tag.name).join(PostTag, PostTag.tag_id == Tag.id)
            .where(PostTag.post_id == post_id))).all())

    async def _delivered(self, event: Delivered) -> None:
        if not event.owner_ids and not event.list_ids:
            return
        rendered = await self._render_post(event.post_id)
        if rendered is None:
            return
        post, status = rendered
        targets = [channels.home(owner) for owner in event.owner_ids]
        targets += [channels.list_channel(list_id) for list_id in event.list_ids]
        await self.broker.publish_many(targets, _post_event("update", status, post))

    async def _broadcast_delivered(self, event: BroadcastDelivered) -> None:
        """A broadcast account's post: rendered once, one message for every process's hub to
        hand to the home streams of its connected followers of that account."""
        rendered = await self._render_post(event.post_id)
        if rendered is None:
            return
        post, status = rendered
        await self.broker.publish(channels.followers_of(event.account_id),
                                  _post_event("update", status, post))

    async def _notifications(self, events: Sequence[NotificationCreated]) -> None:
        """Each recipient's notifications rendered together, published in commit order."""
        async with self.db.read() as session:
            rows = await _rows(session, Notification, [(e.notification_id, e.row)
                                                       for e in events])
            by_recipient: dict[int, list[Notification]] = {}
            for row in rows:
                by_recipient.setdefault(row.account_id, []).append(row)
            rendered: list[tuple[int, dict[str, Any]]] = []
            for recipient, notifications in by_recipient.items():
                entities = await render_notifications(session, notifications,
                                                      viewer_id=recipient,
                                                      settings=self.settings)
                rendered += [(recipient, entity) for entity in entities]
        senders = {str(row.id): row.from_account_id for row in rows}
        for recipient, entity in rendered:
            await self.broker.publish(
                channels.notifications(recipient),
                _event("notification", entity, account_id=senders[entity["id"]]))

    async def _created(self, events: Sequence[PostCreated]) -> None:
        """New posts, rendered together: each on its thread's stream, and the public and
        hashtag streams when it is broadcast there."""
        async with self.db.read() as session:
            posts = await _rows(session, Post, [(e.post_id, e.row) for e in events])
            statuses = await render_statuses(session, posts, viewer_id=None,
                                             settings=self.settings)
            tags = {e.post_id: e.tags for e in events}
            for post in posts:
                if _broadcast(post) and tags.get(post.id) is None:
                    tags[post.id] = tuple(await self._tags(session, post.id))
        for post, status in zip(posts, statuses, strict=True):
            await self._publish_created(post, status, tags.get(post.id) or ())

    async def _publish_created(self, post: Post, status: dict[str, Any],
                               tags: Sequence[str]) -> None:
        if post.visibility in ("public", "unlisted"):
            thread_payload: dict[str, Any] = status
        else:  # the web UI fetches it through the viewer's own session
            thread_payload = {"id": str(post.id), "visibility": post.visibility}
        await self.broker.publish(channels.thread(post.thread_id),
                                  _post_event("update", thread_payload, post))
        if _broadcast(post):
            await self.broker.publish_many(_public_channels(post.domain is None, tuple(tags)),
                                           _post_event("update", status, post))

    async def _broadcast_followers(self, account_id: int) -> list[str]:
        """The followers_of channel when `account_id` is a broadcast account: its followers'
        homes hold no rows for its posts, so their streams hear of edits and deletes there."""
        async with self.db.read() as session:
            found = await is_broadcast(session, self.settings, account_id)
        return [channels.followers_of(account_id)] if found else []

    async def _deleted(self, event: PostDeleted) -> None:
        targets = [channels.home(owner) for owner in event.audience_ids]
        targets += await self._broadcast_followers(event.account_id)
        targets.append(channels.thread(event.thread_id))
        if event.visibility == "public":
            targets += _public_channels(event.local, event.tags)
        await self.broker.publish_many(targets, _event("delete", str(event.post_id),
                                                       account_id=event.account_id))

    async def _updated(self, event: PostUpdated) -> None:
        """status.update to every home showing the post (or a repost of it), its thread, and
        the public streams when it was broadcast there."""
        rendered = await self._render_post(event.post_id)
        if rendered is None:
            return
        post, status = rendered
        async with self.db.read() as session:
            owners = await homes_showing(session, post.id)
            tags = await self._tags(session, post.id) if _broadcast(post) else None
        targets = [channels.home(owner) for owner in owners]
        targets += await self._broadcast_followers(post.account_id)
        if post.visibility in ("public", "unlisted"):
            targets.append(channels.thread(post.thread_id))
        if tags is not None:
            targets += _public_channels(post.domain is None, tags)
        await self.broker.publish_many(targets, _post_event("status.update", status, post))

    async def _conversation(self, event: ConversationUpdated) -> None:
        """`conversation` on each participant's direct stream, rendered as they see it."""
        async with self.db.read() as session:
            views = await participant_views(session, event.conversation_id)
            for account_id, view in views.items():
                [entity] = await render_conversations(session, [view], viewer_id=account_id,
                                                      settings=self.settings)
                await self.broker.publish(channels.direct(account_id),
                                          _event("conversation", entity))


async def _rows(session: AsyncSession, model: Any, wanted: Sequence[tuple[int, Any]]
                ) -> list[Any]:
    """ORM objects for (id, column values or None): made from the values the event carried,
    else read (once, together); ones gone since are left out. Order kept."""
    missing = [row_id for row_id, values in wanted if values is None]
    loaded: dict[int, Any] = {}
    if missing:
        found = await session.scalars(select(model).where(model.id.in_(missing)))
        loaded = {row.id: row for row in found}
    made = [model(**values) if values is not None else loaded.get(row_id)
            for row_id, values in wanted]
    return [row for row in made if row is not None]
