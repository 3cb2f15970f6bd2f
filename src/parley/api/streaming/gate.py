"""The per-connection gate: what a viewer chose not to see (blocks, mutes, keyword filters)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, cast

import orjson

from parley.api.entities.filters import filter_result_entity
from parley.filters.matching import ActiveFilter, active_filters, match_post
from parley.posts.models import Post
from parley.posts.rows import Exclusions, load_exclusions
from parley.store.database import Database

STATUS_EVENTS = ("update", "status.update")


@dataclass(slots=True)
class _Text:
    """What keyword matching reads of a Post, taken from a rendered status."""

    id: int
    account_id: int
    spoiler_text: str
    content: str


class Gate:
    """Per-connection view of what the viewer chose not to see: posts by accounts they block,
    mute, are blocked by, or whose domain they block (dropped), and their keyword filters
    (`filtered` results; `hide` drops). Read when first needed; a block, mute or domain block
    made or lifted since resets it at once (the `exclusions` channel), and it is read again
    every REFRESH seconds anyway (timed mutes expire); filters reload on `filters_changed`."""

    REFRESH = 30.0
    FILTERED_EVENTS = STATUS_EVENTS
    __slots__ = ("db", "excluded", "filters", "loaded_at", "viewer_id")

    def __init__(self, db: Database, viewer_id: int | None) -> None:
        self.db = db
        self.viewer_id = viewer_id
        self.excluded: Exclusions | None = None
        self.loaded_at = 0.0
        self.filters: dict[str, list[ActiveFilter]] | None = None  # by context

    def _stale(self) -> bool:
        if time.monotonic() - self.loaded_at > self.REFRESH:
            self.excluded, self.filters = None, None
            return True
        return False

    def filters_changed(self) -> None:
        self.filters = None

    def exclusions_changed(self) -> None:
        self.excluded = None

    async def admits(self, event: dict[str, Any]) -> bool:
        if self.viewer_id is None or event.get("event") not in self.FILTERED_EVENTS:
            return True
        author = event.get("account_id")
        if author == self.viewer_id:
            return True
        if self.excluded is None or self._stale():
            # The viewer context of the home read (social/exclusions.py's rule, compiled), on
            # a reader that sees a block or mute committed just before the reset.
            async with self.db.fresh() as reader:
                self.excluded = await load_exclusions(reader, self.viewer_id)
            self.loaded_at = time.monotonic()
        return not self.excluded.hides(author, event.get("domain"))

    async def _filters(self, context: str) -> list[ActiveFilter]:
        assert self.viewer_id is not None
        if self.filters is None:
            self.filters = {}
        found = self.filters.get(context)
        if found is None:
            async with self.db.read() as session:
                found = self.filters[context] = await active_filters(
                    session, self.viewer_id, context)
        return found

    async def filter(self, payload: str, context: str) -> str | None:
        """The status payload with the viewer's matching filters in `filtered`, or None when
        one of them hides it. One's own posts are never filtered; a repost is matched by its
        original."""
        if self.viewer_id is None:
            return payload
        filters = await self._filters(context)
        if not filters:
            return payload
        status = orjson.loads(payload)
        proper = status.get("reblog") or status
        text = _Text(int(proper["id"]), int(proper["account"]["id"]),
                     proper.get("spoiler_text") or "", proper.get("content") or "")
        if text.account_id == self.viewer_id:
            return payload
        matches = match_post(filters, cast(Post, text))  # reads id, spoiler_text, content
        if not matches:
            return payload
        if any(match.hides for match in matches):
            return None
        results = [filter_result_entity(match) for match in matches]
        status["filtered"] = results
        if status.get("reblog"):
            status["reblog"]["filtered"] = results
        return orjson.dumps(status).decode()
