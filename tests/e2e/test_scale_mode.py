"""The scale topology: two `parley serve` processes and a `parley worker` over PostgreSQL and
Redis. A reply posted through one web process reaches a client streaming from the other."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from mastodon import Mastodon

from support.clients import PASSWORD, SchemaLog, eventually
from support.server import Cluster, fresh_database, run_cluster
from support.streams import streaming

REDIS_URL = os.environ.get("PARLEY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


pytestmark = pytest.mark.skipif(
    not os.environ.get("PARLEY_TEST_DATABASE_URL", "").startswith("postgres")
    or not REDIS_URL.startswith("redis://127.0.0.1") or not _redis_answers(),
    reason="scale mode runs on PostgreSQL + Redis (PARLEY_TEST_DATABASE_URL, Redis on 127.0.0.1)",
)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    tmp: Path = tmp_path_factory.mktemp("cluster")
    with fresh_database(tmp) as database_url, run_cluster(tmp, database_url, REDIS_URL) as live:
        yield live


def _user(base_url: str, name: str, schema_log: SchemaLog) -> Mastodon:
    client_id, secret = Mastodon.create_app("scale test", api_base_url=base_url,
                                            session=schema_log.session())
    api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=base_url,
                   session=schema_log.session())
    api.create_account(name, PASSWORD, f"{name}@example.com", agreement=True)
    return api


def test_reply_through_one_process_reaches_a_stream_on_the_other(
        cluster: Cluster, schema_log: SchemaLog) -> None:
    process_a, process_b = cluster.web
    author = _user(process_a.base_url, "scaleauthor", schema_log)
    friend = _user(process_b.base_url, "scalefriend", schema_log)
    author_id = author.me()["id"]
    author.account_follow(friend.me()["id"])
    root = author.status_post("Anyone around?")
    assert eventually(lambda: author.timeline_home()), "the worker never delivered the root"
    with streaming(author.stream_user) as recorder:
        reply = friend.status_post("@scaleauthor here!", in_reply_to_id=root["id"])
        got = eventually(lambda: recorder.of("notification") and recorder.of("update"),
                         timeout=15)
        assert got, "no live events crossed the processes"
    [notification] = recorder.of("notification")
    assert notification["type"] == "mention"
    assert notification["status"]["id"] == reply["id"]
    assert [s["id"] for s in recorder.of("update")] == [reply["id"]]
    # The worker (a third process) did the fan-out: the home timeline was written.
    assert reply["id"] in [s["id"] for s in author.timeline_home()]
    assert author.account(author_id)["statuses_count"] == 1
