"""Status entities, built for a whole page in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from parley.config import Settings
from parley.posts.models import Post


async def render_statuses(session: AsyncSession, posts: Sequence[Post], *,
                          viewer_id: int | None, settings: Settings) -> list[dict[str, Any]]:
    """Mastodon Status entities for `posts`, in order, as `viewer_id` sees them."""
    raise NotImplementedError("being written")


async def render_status(session: AsyncSession, post: Post, *, viewer_id: int | None,
                        settings: Settings) -> dict[str, Any]:
    return (await render_statuses(session, [post], viewer_id=viewer_id, settings=settings))[0]
