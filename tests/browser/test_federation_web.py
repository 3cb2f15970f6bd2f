"""The web UI across two Parleys federating on 127.0.0.1 (A and B; people read on B): a
post written in B's compose form mentioning someone on A, never seen on B before, links
them and reaches them; a thread of A's opened in B's web fetches the replies B missed (the
page says so while it looks, and they join the page); B's search page looks up a handle and
a post's link on A, for signed-in people only. Axe-checked, screenshots kept."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest

from browser.helpers import (
    Browsers,
    Page,
    People,
    Person,
    api_call,
    assert_accessible,
    follow_elsewhere,
    post_from,
    screenshot,
    until,
)
from support.server import LiveServer

Pair = tuple[LiveServer, LiveServer]
LOOKING = "Looking for more replies on other servers"


@pytest.fixture
def on_b(pair: Pair, chromium: Any) -> Iterator[Browsers]:
    """Browsers on B, the server whose people read A's."""
    opened = Browsers(chromium, pair[1].base_url)
    yield opened
    opened.close()
    assert not opened.csp_errors, f"Content-Security-Policy violations: {opened.csp_errors}"


def _handle(person: Person, server: LiveServer) -> str:
    return f"{person.username}@{urlsplit(server.base_url).netloc}"


def _search(page: Page, query: str) -> None:
    page.goto("/search")
    page.locator("#search-q").fill(query)
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search?q=*")


def test_a_web_post_mentions_and_reaches_someone_elsewhere(pair: Pair, on_b: Browsers
                                                           ) -> None:
    a, b = pair
    amy = People(a.base_url).new("amy", "Amy Elsewhere")
    ben = People(b.base_url).new("ben", "Ben Here")
    page = People(b.base_url).sign_in(on_b.page(), ben)
    page.goto("/compose")
    post_from(page, f"@{_handle(amy, a)} did the parcel arrive?")

    article = page.locator("article.post").filter(has_text="did the parcel arrive?")
    article.wait_for()
    link = article.locator("a.mention")
    assert link.inner_text() == f"@{amy.username}"
    href = urlsplit(link.get_attribute("href") or "")
    assert href.netloc == urlsplit(a.base_url).netloc and amy.username in href.path
    assert_accessible(page)
    screenshot(page, "web-mention-elsewhere")

    def mentioned() -> list[dict[str, Any]]:
        return [n for n in api_call(a.base_url, amy, "GET", "/api/v1/notifications",
                                    params={"types[]": "mention"})
                if "did the parcel arrive?" in n["status"]["content"]]

    [notification] = until(mentioned)
    assert notification["account"]["acct"] == _handle(ben, b)


def _thread_elsewhere(a: LiveServer, b: LiveServer, reader: Person) -> tuple[str, str]:
    """A root on A that B's reader follows (so B has it) and a reply on A by someone B does
    not know (so B never had it): the root's path on B's web, and the reply's text."""
    ann = People(a.base_url).new("ann", "Ann Origin")
    aly = People(a.base_url).new("aly", "Aly Replier")
    follow_elsewhere(b.base_url, reader, _handle(ann, a))
    root = api_call(a.base_url, ann, "POST", "/api/v1/statuses",
                    data={"status": "Who has seen the comet?"})
    copy = until(lambda: [s for s in api_call(b.base_url, reader, "GET",
                                              "/api/v1/timelines/home")
                          if s["uri"] == root["uri"]])[0]
    api_call(a.base_url, aly, "POST", "/api/v1/statuses",
             data={"status": "Me, at dawn, over the hill", "in_reply_to_id": root["id"]})
    # Read signed out, the context refreshes nothing: B still knows no reply.
    context = httpx.get(f"{b.base_url}/api/v1/statuses/{copy['id']}/context", timeout=30)
    assert context.json()["descendants"] == []
    return f"/@{_handle(ann, a)}/{copy['id']}", _handle(aly, a)


def test_a_remote_thread_fetches_the_replies_missed(pair: Pair, on_b: Browsers) -> None:
    a, b = pair
    bea = People(b.base_url).new("bea", "Bea Reader")
    path, replier = _thread_elsewhere(a, b, bea)

    anonymous = on_b.page()
    anonymous.goto(path)
    assert anonymous.locator("[data-live-status]").inner_text() == ""  # fetches nothing

    page = People(b.base_url).sign_in(on_b.page(), bea)
    page.goto(path)
    note = page.locator("[data-live-status]")
    assert LOOKING in note.inner_text()
    assert_accessible(page)
    screenshot(page, "remote-thread-looking")
    reply = page.locator("article.post").filter(has_text="Me, at dawn, over the hill")

    def arrived() -> bool:
        """Live (over the thread's stream) or, if it came before the stream was open,
        on reloading."""
        if reply.count() == 0:
            page.wait_for_timeout(1500)
        if reply.count() == 0:
            page.reload()
        return reply.count() == 1

    until(arrived, timeout=45)
    assert reply.locator(".acct").first.inner_text() == f"@{replier}"

    def done() -> bool:  # the refresh finishes: the page no longer says it is looking
        page.reload()
        return LOOKING not in note.inner_text()

    until(done)
    assert reply.count() == 1


def test_search_looks_up_handles_and_links_elsewhere(pair: Pair, on_b: Browsers) -> None:
    a, b = pair
    cal = People(a.base_url).new("cal", "Cal Faraway")
    bo = People(b.base_url).new("bo", "Bo Seeker")
    post = api_call(a.base_url, cal, "POST", "/api/v1/statuses",
                    data={"status": "Lanterns on the river tonight"})
    handle = _handle(cal, a)

    anonymous = on_b.page()  # signed out: nothing is looked up elsewhere
    for query in (f"@{handle}", post["url"]):
        anonymous.goto(f"/search?q={quote(query, safe='')}")
        assert anonymous.get_by_text("No people found.").count() == 1
        assert anonymous.locator("article.post").count() == 0

    page = People(b.base_url).sign_in(on_b.page(), bo)
    _search(page, f"@{handle}")
    people = page.locator("ul.account-list .acct")
    assert f"@{handle}" in people.all_inner_texts()
    assert_accessible(page)
    screenshot(page, "search-elsewhere-handle")

    _search(page, post["url"])
    found = page.locator("article.post").filter(has_text="Lanterns on the river tonight")
    assert found.count() == 1
    assert found.locator("a.original-link").get_attribute("href") == post["url"]
    assert_accessible(page)
    screenshot(page, "search-elsewhere-post")
