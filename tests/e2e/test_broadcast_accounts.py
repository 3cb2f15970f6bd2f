"""Hybrid fan-out end to end: an account over PARLEY_BROADCAST_THRESHOLD followers is not
written into its followers' homes, yet they read its posts in their home timeline and hear of
them, their edits and deletions live on their user streams; nobody else does."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from parley.store.database import Database
from parley.store.dialect import engine_url
from support.clients import Clients, SchemaLog, eventually
from support.server import LiveServer, run_server
from support.streams import streaming

THRESHOLD = 2


@pytest.fixture(scope="module")
def broadcast_clients(tmp_path_factory: pytest.TempPathFactory, schema_log: SchemaLog
                      ) -> Iterator[Clients]:
    tmp: Path = tmp_path_factory.mktemp("broadcast")
    env = {"PARLEY_BROADCAST_THRESHOLD": str(THRESHOLD)}
    with run_server(tmp, extra_env=env) as live:
        server: LiveServer = live
        yield Clients(server, schema_log)


def _is_broadcast(database_url: str, account_id: str) -> bool:
    async def check() -> bool:
        db = Database(engine_url(database_url))
        try:
            async with db.read() as session:
                found = await session.scalar(text(
                    "SELECT account_id FROM broadcast_accounts WHERE account_id = :id"),
                    {"id": int(account_id)})
        finally:
            await db.dispose()
        return found is not None

    return asyncio.run(check())


def _ids(statuses: list[dict[str, object]]) -> list[str]:
    return [str(status["id"]) for status in statuses]


def test_broadcast_posts_reach_followers_homes_and_streams(broadcast_clients: Clients) -> None:
    star = broadcast_clients.new_user("bcstar")
    fans = [broadcast_clients.new_user(f"bcfan{n}") for n in range(THRESHOLD)]
    stranger = broadcast_clients.new_user("bcstranger")
    for fan in fans:
        fan.api.account_follow(star.id)
    # The follow that reaches the threshold records the account (in its merge job).
    database_url = broadcast_clients.server.database_url
    assert eventually(lambda: _is_broadcast(database_url, star.id), timeout=10)
    with streaming(fans[0].api.stream_user) as fan_stream, \
            streaming(stranger.api.stream_user) as stranger_stream:
        post = star.api.status_post("Hello, everyone following me")
        assert eventually(lambda: fan_stream.of("update"), timeout=10)
        star.api.status_update(post["id"], "Hello again, everyone following me")
        assert eventually(lambda: fan_stream.of("status_update"), timeout=10)
        for fan in fans:
            assert post["id"] in _ids(fan.api.timeline_home())
        assert post["id"] not in _ids(stranger.api.timeline_home())
        star.api.status_delete(post["id"])
        assert eventually(lambda: fan_stream.of("delete"), timeout=10)
        assert post["id"] not in _ids(fans[1].api.timeline_home())
    assert [update["id"] for update in fan_stream.of("update")] == [post["id"]]
    assert not stranger_stream.of("update") and not stranger_stream.of("delete")
