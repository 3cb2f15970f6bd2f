"""Events of media: an upload finished processing."""

from __future__ import annotations

from dataclasses import dataclass

from parley.events import Event


@dataclass(frozen=True)
class MediaProcessed(Event):
    """Attachment `media_id` is processed (or failed); `post_id` is the post that took it
    while it was processing, if any, whose shown attachments change with it."""

    media_id: int
    post_id: int | None = None
