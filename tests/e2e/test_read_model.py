"""The posts read model (posts/rows.py load_page): one page loader whose statements do not grow
with the page, and the API and the web showing the same page from it."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from parley.posts.rows import load_page
from parley.store.rawsql import Reader, Row, Sql
from parley.store.rawwrite import SessionSql
from support.clients import Clients, TestUser, eventually
from support.database import ServerDatabase
from support.forms import submit
from support.server import LiveServer

# A page's posts, their reposted originals and quotes (two levels), the mentions, tags and
# the viewer's marks, the accounts not read with their posts, the applications.
MAX_PAGE_STATEMENTS = 6


class CountingReader:
    """A Reader that counts the statements it runs."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.dialect = reader.dialect
        self.shared = False
        self.statements = 0

    async def fetch(self, sql: Sql, params: Mapping[str, Any]) -> list[Row]:
        self.statements += 1
        return await self.reader.fetch(sql, params)


@pytest.fixture
def server_db(server: LiveServer) -> Iterator[ServerDatabase]:
    database = ServerDatabase(server.database_url)
    yield database
    database.loop.run_until_complete(database.db.dispose())
    database.loop.close()


def _conversation(clients: Clients, posts: int) -> tuple[TestUser, list[str]]:
    """A viewer following two people, and `posts` posts of every shape a page shows in its
    home: mentions, tags, replies, reposts, quotes (some of a post since deleted: a quote
    never shows a post its reader may not see, as Mastodon 4.5 rules quotes), the viewer's
    likes and bookmarks."""
    viewer, alice, bob, dave = (clients.new_user("rmviewer"), clients.new_user("rmalice"),
                                clients.new_user("rmbob"), clients.new_user("rmdave"))
    viewer.api.account_follow(alice.id)
    viewer.api.account_follow(bob.id)
    gone = dave.api.status_post("soon deleted")
    made: list[str] = []
    for index in range(posts):
        shape = index % 5
        if shape == 0:
            status = alice.api.status_post(f"@{bob.username} hello #readmodel {index}")
        elif shape == 1:
            status = bob.api.status_post(f"@{alice.username} a reply {index}",
                                         in_reply_to_id=made[-1])
        elif shape == 2:
            status = bob.api.status_reblog(made[-2])
        elif shape == 3:
            status = alice.api.status_post(f"quoting {index}", quoted_status_id=made[-3])
        else:
            quote = dave.api.status_post(f"quoting the deleted {index}",
                                         quoted_status_id=gone["id"])
            status = bob.api.status_reblog(quote["id"])
        made.append(status["id"])
        if shape in (0, 3):
            viewer.api.status_favourite(status["id"])
            viewer.api.status_bookmark(status["id"])
    dave.api.status_delete(gone["id"])
    return viewer, made


def test_a_page_loads_in_a_fixed_number_of_statements(clients: Clients,
                                                      server_db: ServerDatabase) -> None:
    viewer, made = _conversation(clients, 20)
    ids = [int(i) for i in reversed(made)]

    def statements(page_ids: list[int]) -> tuple[int, int]:
        async def load(session: AsyncSession) -> tuple[int, int]:
            reader = CountingReader(SessionSql(session))
            page = await load_page(reader, int(viewer.id), ids=page_ids, people=True)
            return reader.statements, len(page.posts)

        return server_db.read(load)

    small, shown = statements(ids[:5])
    assert shown == 5
    large, shown = statements(ids)
    assert shown == 20
    assert large <= MAX_PAGE_STATEMENTS
    assert large == small


def _web_page(server: LiveServer, user: TestUser, path: str) -> str:
    """`path` as `user` sees it, signed in through the web form."""
    with httpx.Client(base_url=server.base_url, timeout=30, follow_redirects=False) as tab:
        page = tab.get("/auth/sign_in").text
        assert submit(tab, page, "/auth/sign_in", login=user.username,
                      password=user.password).status_code == 303
        return tab.get(path).text


_ARTICLE = re.compile(r'<article class="post[^"]*" id="post-(\d+)"(.*?)</article>', re.S)


def test_web_home_shows_what_the_api_home_shows(clients: Clients, server: LiveServer) -> None:
    viewer, made = _conversation(clients, 10)

    def delivered() -> list[dict[str, Any]] | None:
        home: list[dict[str, Any]] = viewer.api.timeline_home(limit=20)
        return home if home and home[0]["id"] == made[-1] else None

    statuses = eventually(delivered)
    assert statuses is not None
    articles = _ARTICLE.findall(_web_page(server, viewer, "/home"))
    shown = [status["reblog"] or status for status in statuses]
    states = {(s.get("quote") or {}).get("state") for s in shown}
    assert {"accepted", "deleted"} <= states
    assert any(s["favourited"] for s in shown) and any(s["in_reply_to_id"] for s in shown)
    assert [int(post_id) for post_id, _ in articles] == [int(s["id"]) for s in shown]
    for (_, body), status in zip(articles, shown, strict=True):
        assert f'@{status["account"]["acct"]}</span>' in body
        assert ('aria-pressed="true">Liked' in body) == status["favourited"]
        assert ('aria-pressed="true">Bookmarked' in body) == status["bookmarked"]
        quote = status.get("quote") or {}
        assert ('<blockquote class="quote">' in body) == (quote.get("state") == "accepted")
        assert ("Quoted post unavailable." in body) == (quote.get("state") == "unauthorized")
        assert ("quoted post was deleted" in body) == (quote.get("state") == "deleted")
        replied = status["in_reply_to_account_id"]
        assert ("Replying to" in body) == (replied is not None)
