"""Asynchronous refreshes (Mastodon 4.4's AsyncRefresh): a read that starts fetching more
from other servers (a remote thread's replies) names, in its `Mastodon-Async-Refresh`
header, the refresh a client may poll (GET /api/v1_alpha/async_refreshes/:id) before
reading again. The federation adapter does the work (app.py installs it); the API asks
through this seam, never through federation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from parley.posts.threads import RowContext

HEADER = "Mastodon-Async-Refresh"
RETRY_SECONDS = 3  # Mastodon's default


@dataclass(frozen=True)
class AsyncRefresh:
    id: str
    running: bool
    result_count: int


class ThreadRefresher(Protocol):
    async def start(self, post_id: int) -> AsyncRefresh | None:
        """The refresh of the thread of a post the viewer may see: the one running, or one
        started now when the thread has remote posts and was not refreshed lately; None
        when there is nothing to tell the client."""

    async def get(self, refresh_id: str) -> AsyncRefresh | None:
        """A refresh by its id; None when there is no such refresh."""


class _Nothing:
    """The refresher of a server that does not federate: nothing is ever refreshed."""

    async def start(self, post_id: int) -> AsyncRefresh | None:
        return None

    async def get(self, refresh_id: str) -> AsyncRefresh | None:
        return None


NOTHING = _Nothing()


def thread_refresher(state: Any) -> ThreadRefresher:
    """The app's refresher (app.state.thread_refresher), or one that does nothing."""
    refresher: ThreadRefresher = getattr(state, "thread_refresher", NOTHING)
    return refresher


def _may_be_remote(context: RowContext) -> bool:
    """Whether the post or its thread's root may be another server's (the refresher
    decides): False for a local post whose local root is among the rows read, so that
    reading a local thread costs no more statements."""
    post = context.post
    if post.domain is not None:
        return True
    root = context.ancestors[0] if context.ancestors else post
    return not (root.id == post.thread_id and root.domain is None)


async def refresh_viewed(refresher: ThreadRefresher, context: RowContext,
                         viewer_id: int | None) -> AsyncRefresh | None:
    """The refresh a reading of a thread starts or finds running: only a signed-in viewer's
    reading of a remote thread starts one (as in Mastodon); None when none is running. The
    thread is that of the post read, or of a repost's original."""
    if viewer_id is None or not _may_be_remote(context):
        return None
    refresh = await refresher.start(context.post.id)
    return refresh if refresh is not None and refresh.running else None


def header_value(refresh: AsyncRefresh, retry: int = RETRY_SECONDS) -> str:
    """The header's value, as Mastodon writes it: id="...", retry=N, result_count=N."""
    return f'id="{refresh.id}", retry={retry}, result_count={refresh.result_count}'


def entity(refresh: AsyncRefresh) -> dict[str, Any]:
    """The AsyncRefresh entity."""
    return {"id": refresh.id, "status": "running" if refresh.running else "finished",
            "result_count": refresh.result_count}
