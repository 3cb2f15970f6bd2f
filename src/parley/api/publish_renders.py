"""What the publisher renders for one batch of events: statuses as a signed-out viewer sees
them, each rendered once per batch (a large fan-out's events all carry the same post), and
notifications for their one recipient. In a batch they are read on the batch's raw reader;
outside one (a direct `publish` call) through an ORM session."""

from __future__ import annotations

from typing import Any

from parley.api.entities.notifications import render_notifications, render_page
from parley.api.entities.statuses import render_rows, render_status
from parley.config import Settings
from parley.notifications.models import Notification
from parley.notifications.rows import notification_page, notification_row_of
from parley.posts.models import Post
from parley.posts.rows import PostRow, RowBatch
from parley.store.database import Database
from parley.store.rawsql import Reader


class BatchRenders:
    """The renders of one publishing batch (`reader` None: outside a batch)."""

    def __init__(self, db: Database, settings: Settings, reader: Reader | None) -> None:
        self.db = db
        self.settings = settings
        self.reader = reader
        self._posts: dict[int, tuple[PostRow, dict[str, Any]]] = {}

    async def prerender(self, post_ids: list[int]) -> None:
        """Render the posts of a run of deliveries together (one RowBatch) into this batch's
        cache, which `post` then answers from."""
        reader = self.reader
        wanted = [i for i in dict.fromkeys(post_ids) if i not in self._posts]
        if reader is None or len(wanted) < 2:
            return
        batch = RowBatch(reader, None)
        await batch.load_posts(wanted)
        rows = [batch.posts[i] for i in wanted if i in batch.posts]
        statuses = await render_rows(reader, rows, viewer_id=None, settings=self.settings,
                                     batch=batch)
        for row, status in zip(rows, statuses, strict=True):
            self._posts[row.id] = (row, status)

    async def post(self, post_id: int) -> tuple[Post | PostRow, dict[str, Any]] | None:
        """A post and its Status as a signed-out viewer sees it (None: gone)."""
        reader = self.reader
        if reader is None:
            async with self.db.read() as session:
                post = await session.get(Post, post_id)
                if post is None:
                    return None
                return post, await render_status(session, post, viewer_id=None,
                                                 settings=self.settings)
        found = self._posts.get(post_id)
        if found is None:
            batch = RowBatch(reader, None)
            await batch.load_posts([post_id])
            row = batch.posts.get(post_id)
            if row is None:
                return None
            [status] = await render_rows(reader, [row], viewer_id=None,
                                         settings=self.settings, batch=batch)
            found = self._posts[post_id] = (row, status)
        return found

    async def notifications(self, recipient: int, notifications: list[Notification]
                            ) -> list[dict[str, Any]]:
        """One recipient's notifications by the one Notification renderer."""
        reader = self.reader
        if reader is None:
            async with self.db.read() as session:
                return await render_notifications(session, notifications,
                                                  viewer_id=recipient, settings=self.settings)
        page = await notification_page(reader, recipient,
                                       [notification_row_of(n) for n in notifications])
        return await render_page(page, db=self.db, viewer_id=recipient, settings=self.settings)
