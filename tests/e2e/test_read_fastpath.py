"""The raw read path beyond home and context: an account's statuses (filters, pins, paging,
reposts of hidden accounts) and the notifications list (types, exclusions, one sender's,
mutes), served before FastAPI's routing; and the web UI's home on the API's home read, which
merges broadcast accounts' posts (hybrid fan-out)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from parley.store.database import Database
from parley.store.dialect import engine_url
from support.clients import Clients, SchemaLog, eventually
from support.forms import submit
from support.server import LiveServer, run_server


def _ids(items: list[dict[str, object]]) -> list[str]:
    return [str(item["id"]) for item in items]


def test_account_statuses_filters_and_paging(clients: Clients) -> None:
    author = clients.new_user("fpauthor")
    other = clients.new_user("fpother")
    reader = clients.new_user("fpreader")
    first = author.api.status_post("First #fastpath")
    reply_to_self = author.api.status_post("Continuing", in_reply_to_id=first["id"])
    theirs = other.api.status_post("Someone else's")
    reply_to_other = author.api.status_post("Answering", in_reply_to_id=theirs["id"])
    repost = author.api.status_reblog(theirs["id"])
    private = author.api.status_post("Followers only", visibility="private")
    api = reader.api
    everything = _ids(api.account_statuses(author.id))
    assert everything == [repost["id"], reply_to_other["id"], reply_to_self["id"], first["id"]]
    assert private["id"] not in everything  # the reader does not follow the author
    assert _ids(author.api.account_statuses(author.id))[0] == private["id"]
    assert _ids(api.account_statuses(author.id, exclude_replies=True)) == [
        repost["id"], reply_to_self["id"], first["id"]]
    assert repost["id"] not in _ids(api.account_statuses(author.id, exclude_reblogs=True))
    assert _ids(api.account_statuses(author.id, tagged="FastPath")) == [first["id"]]
    assert api.account_statuses(author.id, only_media=True) == []
    # Paging both ways, and the Link header's cursors.
    page = api.account_statuses(author.id, limit=2)
    assert _ids(page) == everything[:2]
    assert _ids(api.fetch_next(page)) == everything[2:4]
    assert _ids(api.account_statuses(author.id, min_id=first["id"], limit=2)) == [
        reply_to_other["id"], reply_to_self["id"]]
    # A repost of someone the reader blocks or mutes is left out, the author's own stay.
    api.account_mute(other.id)
    assert repost["id"] not in _ids(api.account_statuses(author.id))
    api.account_unmute(other.id)
    api.account_block(other.id)
    assert _ids(api.account_statuses(author.id)) == everything[1:]
    # Signed out: public posts only; an unknown account is 404.
    assert _ids(clients.anonymous().account_statuses(author.id))[0] == repost["id"]
    response = httpx.get(f"{clients.server.base_url}/api/v1/accounts/123456789/statuses")
    assert response.status_code == 404 and response.json()["error"]


def test_account_pins_on_the_fast_path(clients: Clients) -> None:
    author = clients.new_user("fppins")
    posts = [author.api.status_post(f"Pin me {n}") for n in range(3)]
    for post in posts:
        author.api.status_pin(post["id"])
    pinned = clients.anonymous().account_statuses(author.id, pinned=True, limit=2)
    assert _ids(pinned) == [posts[2]["id"], posts[1]["id"]]
    assert all(status["pinned"] is False for status in pinned)  # signed out: not "theirs"
    assert _ids(clients.anonymous().fetch_next(pinned)) == [posts[0]["id"]]
    assert all(status["pinned"] for status in author.api.account_statuses(author.id,
                                                                           pinned=True))


def test_notifications_filters_on_the_fast_path(clients: Clients) -> None:
    me = clients.new_user("fpme")
    fan = clients.new_user("fpfan")
    critic = clients.new_user("fpcritic")
    post = me.api.status_post("Notice me")
    fan.api.status_favourite(post["id"])
    fan.api.account_follow(me.id)
    critic.api.status_post(f"@{me.username} hello", visibility="public")
    critic.api.status_reblog(post["id"])
    api = me.api
    assert eventually(lambda: len(api.notifications()) == 4)
    assert [n["type"] for n in api.notifications()] == ["reblog", "mention", "follow",
                                                        "favourite"]
    assert [n["type"] for n in api.notifications(types=["follow", "reblog"])] == [
        "reblog", "follow"]
    assert [n["type"] for n in api.notifications(exclude_types=["follow", "mention"])] == [
        "reblog", "favourite"]
    assert api.notifications(types=["no_such_type"]) == []
    assert {n["account"]["id"] for n in api.notifications(account_id=fan.id)} == {fan.id}
    reblog = api.notifications(types=["reblog"])[0]
    assert reblog["status"]["id"] == post["id"]  # a repost shows what was reposted
    page = api.notifications(limit=3)
    assert len(page) == 3 and len(api.fetch_next(page)) == 1
    # Muting notifications hides the sender's; a plain mute does not.
    api.account_mute(critic.id, notifications=False)
    assert len(api.notifications()) == 4
    api.account_mute(critic.id, notifications=True)
    assert {n["account"]["id"] for n in api.notifications()} == {fan.id}
    api.account_unmute(critic.id)
    api.account_block(fan.id)
    assert {n["account"]["id"] for n in api.notifications()} == {critic.id}
    response = httpx.get(f"{clients.server.base_url}/api/v1/notifications")
    assert response.status_code == 401


THRESHOLD = 2


def _scalar(database_url: str, sql: str, account_id: str) -> int:
    async def read() -> int:
        db = Database(engine_url(database_url))
        try:
            async with db.read() as session:
                return int(await session.scalar(text(sql), {"id": int(account_id)}) or 0)
        finally:
            await db.dispose()

    return asyncio.run(read())


def _is_broadcast(database_url: str, account_id: str) -> bool:
    return _scalar(database_url, "SELECT COUNT(*) FROM broadcast_accounts "
                   "WHERE account_id = :id", account_id) > 0


def _home_entries(database_url: str, account_id: str) -> int:
    """Entries of the account's posts in others' homes."""
    return _scalar(database_url, "SELECT COUNT(*) FROM timeline_entries t JOIN posts p "
                   "ON p.id = t.post_id WHERE p.account_id = :id AND t.owner_id <> :id",
                   account_id)


@pytest.fixture(scope="module")
def broadcast_clients(tmp_path_factory: pytest.TempPathFactory, schema_log: SchemaLog
                      ) -> Iterator[Clients]:
    tmp: Path = tmp_path_factory.mktemp("webbroadcast")
    with run_server(tmp, extra_env={"PARLEY_BROADCAST_THRESHOLD": str(THRESHOLD)}) as live:
        server: LiveServer = live
        yield Clients(server, schema_log)


def test_web_home_merges_broadcast_accounts(broadcast_clients: Clients) -> None:
    star = broadcast_clients.new_user("webstar")
    fans = [broadcast_clients.new_user(f"webfan{n}") for n in range(THRESHOLD)]
    for fan in fans:
        fan.api.account_follow(star.id)
    # Once a broadcast account, its posts are not written into followers' homes.
    url = broadcast_clients.server.database_url
    assert eventually(lambda: _is_broadcast(url, star.id), timeout=10)
    post = star.api.status_post("Broadcast to the web home")
    assert eventually(lambda: post["id"] in _ids(fans[0].api.timeline_home()), timeout=10)
    assert _home_entries(url, star.id) == 0
    with httpx.Client(base_url=broadcast_clients.server.base_url, timeout=30) as tab:
        page = tab.get("/auth/sign_in").text
        submit(tab, page, "/auth/sign_in", login=fans[0].username, password=fans[0].password)
        html = tab.get("/home").text
    assert "Broadcast to the web home" in html
