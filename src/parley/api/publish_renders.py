"""What the publisher renders for one batch of events: statuses as a signed-out viewer sees
them, each rendered once per batch (a large fan-out's events all carry the same post), and
notifications for their one recipient. Statuses come from the posts read model (load_page,
render_post_page), on the batch's raw reader or, outside a batch (a direct `publish` call),
on a read session's reader."""

from __future__ import annotations

from typing import Any

from parley.api.entities.notifications import render_notifications, render_page
from parley.api.entities.statuses import render_post_page
from parley.config import Settings
from parley.notifications.models import Notification
from parley.notifications.rows import notification_page, notification_row_of
from parley.posts.rows import PostRow, load_page
from parley.store.database import Database
from parley.store.rawsql import Reader
from parley.store.rawwrite import SessionSql


class BatchRenders:
    """The renders of one publishing batch (`reader` None: outside a batch)."""

    def __init__(self, db: Database, settings: Settings, reader: Reader | None) -> None:
        self.db = db
        self.settings = settings
        self.reader = reader
        self._posts: dict[int, tuple[PostRow, dict[str, Any]]] = {}

    async def prerender(self, post_ids: list[int]) -> None:
        """Render the posts of a run of deliveries together (one page) into this batch's
        cache, which `post` then answers from."""
        reader = self.reader
        wanted = [i for i in dict.fromkeys(post_ids) if i not in self._posts]
        if reader is None or len(wanted) < 2:
            return
        await self._render(reader, wanted)

    async def _render(self, reader: Reader, post_ids: list[int]) -> None:
        page = await load_page(reader, None, ids=post_ids)
        statuses = await render_post_page(page, settings=self.settings)
        for row, status in zip(page.posts, statuses, strict=True):
            self._posts[row.id] = (row, status)

    async def post(self, post_id: int) -> tuple[PostRow, dict[str, Any]] | None:
        """A post and its Status as a signed-out viewer sees it (None: gone)."""
        if self.reader is None:
            async with self.db.read() as session:
                page = await load_page(SessionSql(session), None, ids=[post_id])
                if not page.posts:
                    return None
                [status] = await render_post_page(page, settings=self.settings)
                return page.posts[0], status
        if post_id not in self._posts:
            await self._render(self.reader, [post_id])
        return self._posts.get(post_id)

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
