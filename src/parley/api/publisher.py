"""Turns committed domain events into Mastodon streaming events on the broker.

Runs as one task per process, fed in commit order by the database's after-commit hook, so a
stream sees events in the order their transactions committed. A process nobody could hear
through (its own broker, no stream connected) renders nothing. A status is rendered once per
event (as a signed-out viewer would see it, viewer-specific flags false) and the same bytes go
to every channel; a notification is rendered for its one recipient.

Events waiting in the queue are taken together (at most MAX_BATCH): consecutive new posts are
rendered in one render_statuses call, consecutive notifications in one render per recipient,
from the rows the writing transaction put in the event (no re-read of what it just wrote).
A batch's renders and their cache are api/publish_renders.py's.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from itertools import groupby
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.api.entities.conversations import render_conversations
from parley.api.entities.statuses import render_rows, render_statuses
from parley.api.publish_renders import BatchRenders
from parley.api.stream_messages import (
    created_messages,
    post_stream_event,
    public_channels,
    shown_publicly,
    stream_event,
)
from parley.config import Settings
from parley.conversations.direct import participant_views
from parley.events import Event, take
from parley.events.live import (
    BroadcastDelivered,
    ConversationUpdated,
    Delivered,
    FiltersChanged,
    NotificationCreated,
)
from parley.events.posts import PostCardAttached, PostCreated, PostEdited, PostGone
from parley.events.social import ExclusionsChanged
from parley.lib.tasks import cancel_and_wait
from parley.notifications.models import Notification
from parley.posts.models import DISTRIBUTABLE, Post, PostTag, Tag
from parley.posts.rows import post_row_of
from parley.store.database import Database
from parley.store.faults import store_failure
from parley.streaming import channels
from parley.streaming.broker import Broker
from parley.timelines.audience import homes_showing
from parley.timelines.broadcast import is_broadcast

log = logging.getLogger("parley.streaming")
# Events published per batch: enough to share the renders of a burst, few enough that one
# batch never holds the event loop for long.
MAX_BATCH = 64


def _regrouped(batch: list[Event]) -> list[Event]:
    """The batch with its notifications first, then its new posts, each in their order, then
    every other event in its order: a burst of replies renders and publishes its
    notifications together and its posts together, instead of alternating with each post's
    fan-out event. Events only ever move earlier past events of other kinds, so a post's
    creation still comes before its edits and deletion; a notification stream carries
    nothing else a notification could overtake."""
    first = [e for e in batch if isinstance(e, NotificationCreated)]
    second = [e for e in batch if isinstance(e, PostCreated)]
    if not first and not second:
        return batch
    rest = [e for e in batch if not isinstance(e, NotificationCreated | PostCreated)]
    return [*first, *second, *rest]



def _unpublished(batch: list[Any], exc: Exception) -> None:
    """Log events that could not be published: a bug with its traceback; the database out of
    reach in one line (these events are lost to live streams, not to anyone's timeline)."""
    if store_failure(exc) is None:
        log.exception("could not publish %s", batch)
    else:
        log.warning("could not publish %d events: %s", len(batch), exc)

class Publisher:
    """Consumes domain events after commit and publishes them in order."""

    def __init__(self, db: Database, broker: Broker, settings: Settings) -> None:
        self.db = db
        self.broker = broker
        self.settings = settings
        self.queue: asyncio.Queue[Event] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._renders = BatchRenders(db, settings, None)  # the batch being published

    async def after_commit(self, info: dict[Any, Any]) -> None:
        for event in take(info):
            self.queue.put_nowait(event)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="parley-publisher")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)

    async def _run(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while len(batch) < MAX_BATCH and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            if not self.broker.heard():
                continue  # nobody could hear them: nothing to render
            try:
                # A reader that sees the commits being published (the request path's shared
                # snapshot may be older).
                async with self.db.fresh() as reader:
                    self._renders = BatchRenders(self.db, self.settings, reader)
                    for _kind, run in groupby(_regrouped(batch), key=type):
                        try:
                            await self.publish_many(list(run))
                        except Exception as exc:  # a failed render must not stop everyone's
                            _unpublished(batch, exc)  # stream
            except Exception as exc:  # the read connection itself failed: the next batch
                _unpublished(batch, exc)  # retries
            finally:
                self._renders = BatchRenders(self.db, self.settings, None)

    async def publish_many(self, events: Sequence[Event]) -> None:
        """Publish consecutive events of one kind, in order, sharing their renders."""
        if isinstance(events[0], NotificationCreated):
            await self._notifications(
                [event for event in events if isinstance(event, NotificationCreated)])
        elif isinstance(events[0], PostCreated):
            await self._created([event for event in events if isinstance(event, PostCreated)])
        else:
            await self._renders.prerender([event.post_id for event in events
                                   if isinstance(event, Delivered | BroadcastDelivered)])
            for event in events:
                await self.publish(event)

    async def publish(self, event: Event) -> None:
        if isinstance(event, Delivered):
            await self._delivered(event)
        elif isinstance(event, BroadcastDelivered):
            await self._broadcast_delivered(event)
        elif isinstance(event, NotificationCreated):
            await self._notifications([event])
        elif isinstance(event, PostCreated):
            await self._created([event])
        elif isinstance(event, PostGone):
            await self._deleted(event)
        elif isinstance(event, PostEdited | PostCardAttached):
            await self._updated(event)
        elif isinstance(event, ConversationUpdated):
            await self._conversation(event)
        elif isinstance(event, FiltersChanged):
            # Mastodon sends no payload; clients refetch their filters.
            await self.broker.publish(channels.home(event.account_id),
                                      stream_event("filters_changed", "undefined"))
        elif isinstance(event, ExclusionsChanged):
            await self.broker.publish_many(
                [channels.exclusions(account_id) for account_id in event.account_ids],
                stream_event("exclusions_changed", ""))

    @staticmethod
    async def _tags(session: AsyncSession, post_id: int) -> list[str]:
        return list((await session.scalars(
            select(Tag.name).join(PostTag, PostTag.tag_id == Tag.id)
            .where(PostTag.post_id == post_id))).all())

    async def _delivered(self, event: Delivered) -> None:
        """`update` on the homes and lists the fan-out wrote; a batch of followers is one
        `reached` channel, which each process's hub resolves among its connected accounts."""
        targets = [channels.home(owner) for owner in event.owner_ids]
        targets += [channels.list_channel(list_id) for list_id in event.list_ids]
        if event.followers is not None:
            targets.append(channels.reached(event.post_id, *event.followers))
        if not targets:
            return
        rendered = await self._renders.post(event.post_id)
        if rendered is None:
            return
        post, status = rendered
        await self.broker.publish_many(targets, post_stream_event("update", status, post))

    async def _broadcast_delivered(self, event: BroadcastDelivered) -> None:
        """A broadcast account's post: rendered once, one message for every process's hub to
        hand to the home streams of its connected followers of that account."""
        rendered = await self._renders.post(event.post_id)
        if rendered is None:
            return
        post, status = rendered
        await self.broker.publish(channels.followers_of(event.account_id),
                                  post_stream_event("update", status, post))

    async def _notifications(self, events: Sequence[NotificationCreated]) -> None:
        """Each recipient's notifications rendered together (raw read path), published in
        commit order: one broker call for the lot."""
        rows = [Notification(**e.row) for e in events if e.row is not None]
        if len(rows) < len(events):  # not made by notify(): read them (rare)
            async with self.db.read() as session:
                rows = await _rows(session, Notification, [(e.notification_id, e.row)
                                                           for e in events])
        by_recipient: dict[int, list[Notification]] = {}
        for row in rows:
            by_recipient.setdefault(row.account_id, []).append(row)
        rendered: dict[str, tuple[int, dict[str, Any]]] = {}
        for recipient, notifications in by_recipient.items():
            for entity in await self._renders.notifications(recipient, notifications):
                rendered[entity["id"]] = (recipient, entity)
        messages = []
        for row in rows:  # commit order
            found = rendered.get(str(row.id))
            if found is not None:
                messages.append(([channels.notifications(found[0])],
                                 stream_event("notification", found[1],
                                        account_id=row.from_account_id)))
        await self.broker.publish_each(messages)

    async def _created(self, events: Sequence[PostCreated]) -> None:
        """New posts, rendered together: each on its thread's stream, and the public and
        hashtag streams when it is broadcast there."""
        posts = [Post(**e.row) for e in events if e.row is not None]
        tags = {e.post_id: e.tags for e in events}
        reader = self._renders.reader
        if (reader is None or len(posts) < len(events)
                or any(shown_publicly(post) and tags[post.id] is None for post in posts)):
            await self._created_orm(events)
            return
        # Everything but the mentions, tags and app is in the event: rows path.
        statuses = await render_rows(reader, [post_row_of(post) for post in posts],
                                     viewer_id=None, settings=self.settings)
        await self.broker.publish_each([
            message for post, status in zip(posts, statuses, strict=True)
            for message in created_messages(post, status, tags.get(post.id) or ())])

    async def _created_orm(self, events: Sequence[PostCreated]) -> None:
        """_created for events without their rows: read through the ORM."""
        async with self.db.read() as session:
            posts = await _rows(session, Post, [(e.post_id, e.row) for e in events])
            statuses = await render_statuses(session, posts, viewer_id=None,
                                             settings=self.settings)
            tags = {e.post_id: e.tags for e in events}
            for post in posts:
                if shown_publicly(post) and tags.get(post.id) is None:
                    tags[post.id] = tuple(await self._tags(session, post.id))
        await self.broker.publish_each([
            message for post, status in zip(posts, statuses, strict=True)
            for message in created_messages(post, status, tags.get(post.id) or ())])

    async def _broadcast_followers(self, account_id: int) -> list[str]:
        """The followers_of channel when `account_id` is a broadcast account: its followers'
        homes hold no rows for its posts, so their streams hear of edits and deletes there."""
        async with self.db.read() as session:
            found = await is_broadcast(session, self.settings, account_id)
        return [channels.followers_of(account_id)] if found else []

    async def _deleted(self, event: PostGone) -> None:
        deleted = event.deleted
        targets = [channels.home(owner) for owner in event.audience_ids]
        targets += await self._broadcast_followers(deleted.account_id)
        # Like edits (below): a thread's stream is open to anyone who may see its root, so it
        # hears only of posts everyone may see; the audience of the others hears on its homes.
        if deleted.visibility in DISTRIBUTABLE:
            targets.append(channels.thread(deleted.thread_id))
        if deleted.visibility == "public":
            targets += public_channels(deleted.local, deleted.tags)
        await self.broker.publish_many(targets, stream_event("delete", str(deleted.post_id),
                                                       account_id=deleted.account_id))

    async def _updated(self, event: PostEdited | PostCardAttached) -> None:
        """status.update to every home showing the post (or a repost of it), its thread, and
        the public streams when it was broadcast there (an edit, or its card arriving)."""
        rendered = await self._renders.post(event.post_id)
        if rendered is None:
            return
        post, status = rendered
        async with self.db.read() as session:
            owners = await homes_showing(session, post.id)
            tags = await self._tags(session, post.id) if shown_publicly(post) else None
        targets = [channels.home(owner) for owner in owners]
        targets += await self._broadcast_followers(post.account_id)
        if post.visibility in DISTRIBUTABLE:
            targets.append(channels.thread(post.thread_id))
        if tags is not None:
            targets += public_channels(post.domain is None, tags, media=bool(post.media_count))
        await self.broker.publish_many(targets, post_stream_event("status.update", status, post))

    async def _conversation(self, event: ConversationUpdated) -> None:
        """`conversation` on each participant's direct stream, rendered as they see it."""
        async with self.db.read() as session:
            views = await participant_views(session, event.conversation_id)
            for account_id in event.participant_ids:  # those the post was filed for
                view = views.get(account_id)
                if view is None:
                    continue
                [entity] = await render_conversations(session, [view], viewer_id=account_id,
                                                      settings=self.settings)
                await self.broker.publish(channels.direct(account_id),
                                          stream_event("conversation", entity))


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
