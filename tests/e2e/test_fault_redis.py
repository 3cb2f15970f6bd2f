"""Redis stopped in scale mode (two `parley serve` and a `parley worker` over PostgreSQL and a
Redis server of the test's own, rate limits on): posting and reading keep working and the
fan-out still runs (the job queue is in the database, never in Redis); a stream left open
through the outage hears new posts again once Redis is back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from mastodon import Mastodon

from support.clients import PASSWORD, eventually
from support.faults import OwnRedis, Proc, is_postgres, start
from support.server import fresh_database
from support.streams import streaming

pytestmark = pytest.mark.skipif(
    not is_postgres() or not OwnRedis.available(),
    reason="scale mode: PostgreSQL (PARLEY_TEST_DATABASE_URL) and a redis-server binary")


@dataclass
class Scale:
    redis: OwnRedis
    web: list[Proc]
    worker: Proc


@pytest.fixture
def scale(tmp_path: Path) -> Iterator[Scale]:
    redis = OwnRedis(tmp_path)
    redis.start()
    env = {"PARLEY_REDIS_URL": redis.url, "PARLEY_RATE_LIMITS": "1"}
    with ExitStack() as stack:
        stack.callback(redis.stop)
        database_url = stack.enter_context(fresh_database(tmp_path))
        first = start("serve", tmp_path, database_url, name="web0", extra_env=env)
        stack.callback(first.stop)
        env["PARLEY_BASE_URL"] = first.base_url  # every process agrees on the public URL
        second = start("serve", tmp_path, database_url, name="web1", extra_env=env)
        stack.callback(second.stop)
        worker = start("worker", tmp_path, database_url, name="worker", extra_env=env)
        stack.callback(worker.stop)
        yield Scale(redis, [first, second], worker)


def _user(base_url: str, name: str) -> Mastodon:
    client_id, secret = Mastodon.create_app("redis test", api_base_url=base_url)
    api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=base_url)
    api.create_account(name, PASSWORD, f"{name}@example.com", agreement=True)
    return api


def _in_home(reader: Mastodon, status_id: str) -> bool:
    return status_id in [status["id"] for status in reader.timeline_home()]


def test_redis_down_posting_and_reading_go_on_and_streams_resume(scale: Scale) -> None:
    author = _user(scale.web[0].base_url, "speaker")
    reader = _user(scale.web[1].base_url, "listener")
    reader.account_follow(author.me()["id"])
    with streaming(reader.stream_user) as recorder:
        before = author.status_post("Redis is up")
        assert eventually(lambda: recorder.of("update"), timeout=15)
        scale.redis.stop()
        during = author.status_post("Redis is down")  # through the rate limiter too
        assert eventually(lambda: _in_home(reader, during["id"]), timeout=15), \
            scale.worker.log()[-3000:]
        assert reader.status(before["id"])["id"] == before["id"]
        assert author.timeline_home()[0]["id"] == during["id"]
        scale.redis.start()  # the same port: the processes find it again
        posted_after: list[str] = []

        def heard_again() -> bool:
            """Posts until one is heard: those sent before a process has subscribed again
            are lost to live streams (as events are while Redis is down)."""
            posted_after.append(author.status_post("Redis is back")["id"])
            heard = {status["id"] for status in recorder.of("update")}
            return bool(heard & set(posted_after))

        assert eventually(heard_again, timeout=30, interval=0.5), scale.web[1].log()[-3000:]
    for proc in (*scale.web, scale.worker):
        assert proc.process.poll() is None, proc.log()[-3000:]
