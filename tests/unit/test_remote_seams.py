"""The two seams through which the API and the web reach other servers, each one rule for
both: a search's `resolve` (http/remote.py resolved: only a signed-in person's one handle or
one URL is looked up; a URL is then searched as the URI it led to) and the refresh a
reading of a thread starts (http/refresh.py refresh_viewed: signed in, and a thread that
may be another server's)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from starlette.requests import Request

from parley.http.refresh import AsyncRefresh, refresh_viewed
from parley.http.remote import resolved
from parley.posts.rows import PostRow
from parley.posts.threads import RowContext
from parley.search.service import SearchRequest

URI = "https://b.example/users/cal/statuses/1"


class Lookups:
    """The app's lookup, recording what it was asked."""

    def __init__(self, answer: str | None) -> None:
        self.answer = answer
        self.asked: list[str] = []

    async def __call__(self, query: str, *, fresh: bool = False) -> str | None:
        self.asked.append(query)
        return self.answer


def _resolved(lookups: Lookups, query: str, *, signed_in: bool = True,
              resolve: bool = True) -> SearchRequest:
    app = SimpleNamespace(state=SimpleNamespace(remote_lookup=lookups))
    request = Request({"type": "http", "app": app, "headers": []})
    return asyncio.run(resolved(request, SearchRequest(q=query, resolve=resolve),
                                signed_in=signed_in))


def test_only_a_signed_in_persons_handle_or_url_is_looked_up() -> None:
    lookups = Lookups(URI)
    for query, signed_in, resolve in (("@cal@b.example", False, True),
                                      ("@cal@b.example", True, False),
                                      ("lanterns on the river", True, True),
                                      ("see @cal@b.example", True, True)):
        assert _resolved(lookups, query, signed_in=signed_in, resolve=resolve).q == query
    assert lookups.asked == []
    assert _resolved(lookups, " @cal@b.example ").q == " @cal@b.example "
    assert lookups.asked == ["@cal@b.example"]


def test_a_url_is_searched_as_the_uri_it_led_to() -> None:
    page = "https://b.example/@cal/1"
    assert _resolved(Lookups(URI), page).q == URI
    assert _resolved(Lookups(None), page).q == page  # nothing found: searched as given


class Refresher:
    def __init__(self, running: bool) -> None:
        self.running = running
        self.started: list[int] = []

    async def start(self, post_id: int) -> AsyncRefresh | None:
        self.started.append(post_id)
        return AsyncRefresh("r1", self.running, 0)

    async def get(self, refresh_id: str) -> AsyncRefresh | None:
        return None


def _row(post_id: int, domain: str | None, thread_id: int) -> PostRow:
    return PostRow(post_id, 1, domain, f"https://x.example/{post_id}", None, "", "", False,
                   None, "public", None, None, None, None, None, 0, 0, 0, 0,
                   datetime(2026, 1, 1, tzinfo=UTC), None, thread_id)


def _viewed(refresher: Refresher, post: PostRow, ancestors: list[PostRow],
            viewer_id: int | None = 7) -> Any:
    context = RowContext(post=post, ancestors=ancestors, descendants=[], batch=None)
    return asyncio.run(refresh_viewed(refresher, context, viewer_id))


def test_a_signed_in_reading_of_a_remote_thread_starts_its_refresh() -> None:
    refresher = Refresher(running=True)
    remote = _row(2, "b.example", 1)
    assert _viewed(refresher, remote, [_row(1, "b.example", 1)]) == AsyncRefresh("r1", True, 0)
    local_reply = _row(3, None, 1)  # a local reply in a thread begun elsewhere
    assert _viewed(refresher, local_reply, [_row(1, "b.example", 1)]) is not None
    unknown_root = _row(4, None, 9)  # its root is not among the rows read: may be remote
    assert _viewed(refresher, unknown_root, []) is not None
    assert refresher.started == [2, 3, 4]


def test_local_threads_and_signed_out_readers_start_nothing() -> None:
    refresher = Refresher(running=True)
    root = _row(1, None, 1)
    assert _viewed(refresher, root, []) is None
    assert _viewed(refresher, _row(2, None, 1), [root]) is None
    assert _viewed(refresher, _row(5, "b.example", 5), [], viewer_id=None) is None
    assert refresher.started == []
    finished = Refresher(running=False)  # done lately: nothing to tell
    assert _viewed(finished, _row(5, "b.example", 5), []) is None
    assert finished.started == [5]
