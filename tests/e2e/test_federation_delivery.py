"""Delivery in the real world, against inboxes served on 127.0.0.1 that answer as told:
retries back off, a server that keeps failing is paused (its breaker opens) and one success
closes it again, 410 Gone marks the actor gone, other refusals are final. The delivery job
runs as the worker runs it, on a real database (SQLite or PostgreSQL)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest
from sqlalchemy import delete, select

from parley.accounts.models import Account
from parley.accounts.service import create_local_account
from parley.config import Settings
from parley.federation import delivery
from parley.federation.models import Peer, RemoteActor
from parley.federation.peers import FAILURES_BEFORE_PAUSE
from parley.jobs.models import Job
from parley.jobs.registry import DetachedContext
from parley.lib.ids import new_id
from parley.lib.timefmt import as_utc, utcnow
from parley.store.database import Database


class Inbox:
    """One loopback server answering every POST with `status`, counting what it got."""

    def __init__(self) -> None:
        self.status = 202
        self.received: list[dict[str, Any]] = []
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                inbox.received.append({"signature": self.headers.get("signature"),
                                       "body": orjson.loads(body)})
                self.send_response(inbox.status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.domain = f"127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://{self.domain}/inbox"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    served = Inbox()
    yield served
    served.close()


_loop = asyncio.new_event_loop()  # one loop: the database's connections belong to it


def run(coro: Any) -> Any:
    return _loop.run_until_complete(coro)


@pytest.fixture(scope="module")
def world(database_url: str) -> Iterator[tuple[Database, Settings, int]]:
    settings = Settings(database_url=database_url, base_url="http://parley.test",
                        federation_insecure_peers=True)
    db = run(_database(database_url))

    async def sender() -> int:
        async with db.write() as session:
            account = await create_local_account(session, settings, username="sender",
                                                 email="sender@example.com",
                                                 password="a long enough password")
            return account.id

    sender_id = run(sender())
    yield db, settings, sender_id
    run(db.dispose())


async def _database(url: str) -> Database:
    return Database(url)


async def _deliver(db: Database, settings: Settings, sender_id: int, inbox: str,
                   attempt: int = 0) -> None:
    job = delivery.Delivery(orjson.dumps({"id": "x", "type": "Create"}).decode(), [inbox],
                            sender_id, attempt)
    await delivery.DELIVER.handler.run(DetachedContext(db=db, settings=settings), job)


async def _queued(db: Database) -> list[Job]:
    async with db.read() as session:
        return list(await session.scalars(select(Job).where(
            Job.kind == delivery.DELIVER.name, Job.state == "queued")))


async def _clear(db: Database, domain: str) -> None:
    async with db.write() as session:
        await session.execute(delete(Job).where(Job.kind == delivery.DELIVER.name))
        await session.execute(delete(Peer).where(Peer.domain == domain))


def test_a_delivery_is_signed_and_arrives(world: tuple[Database, Settings, int],
                                          inbox: Inbox) -> None:
    db, settings, sender_id = world
    run(_deliver(db, settings, sender_id, inbox.url))
    assert len(inbox.received) == 1
    assert 'keyId="http://parley.test/users/sender#main-key"' in inbox.received[0]["signature"]
    assert not run(_queued(db))


def test_failures_back_off_then_pause_the_server(world: tuple[Database, Settings, int],
                                                 inbox: Inbox) -> None:
    db, settings, sender_id = world
    run(_clear(db, inbox.domain))
    inbox.status = 503
    for attempt in range(FAILURES_BEFORE_PAUSE):
        run(_deliver(db, settings, sender_id, inbox.url, attempt))
    retries = run(_queued(db))
    waits = sorted(as_utc(job.run_at) - utcnow() for job in retries)
    assert len(retries) == FAILURES_BEFORE_PAUSE
    assert waits[0] > timedelta(seconds=30)  # never at once: backing off
    assert {job.payload["attempt"] for job in retries} == set(range(1, FAILURES_BEFORE_PAUSE + 1))

    async def peer() -> Peer | None:
        async with db.read() as session:
            return await session.get(Peer, inbox.domain)

    paused = run(peer())
    assert paused is not None and paused.failures == FAILURES_BEFORE_PAUSE
    assert paused.retry_at is not None and as_utc(paused.retry_at) > utcnow()
    # While paused, nothing is sent: the inbox waits for the pause, its attempt uncounted.
    sent = len(inbox.received)
    run(_clear(db, "nobody"))
    run(_deliver(db, settings, sender_id, inbox.url, 4))
    assert len(inbox.received) == sent
    deferred = run(_queued(db))
    assert [job.payload["attempt"] for job in deferred if job.payload["attempt"] == 4]


def test_one_success_closes_the_breaker(world: tuple[Database, Settings, int],
                                        inbox: Inbox) -> None:
    db, settings, sender_id = world

    async def failing_once() -> None:
        async with db.write() as session:
            session.add(Peer(domain=inbox.domain, failures=2, first_failure_at=utcnow()))

    run(_clear(db, inbox.domain))
    run(failing_once())
    run(_deliver(db, settings, sender_id, inbox.url))

    async def peer() -> Peer | None:
        async with db.read() as session:
            return await session.get(Peer, inbox.domain)

    healed = run(peer())
    assert healed is not None and healed.failures == 0 and healed.retry_at is None


def test_gone_marks_the_actor_and_refusals_are_final(world: tuple[Database, Settings, int],
                                                     inbox: Inbox) -> None:
    db, settings, sender_id = world
    run(_clear(db, inbox.domain))
    personal = f"http://{inbox.domain}/users/gone/inbox"

    async def remote_actor() -> int:
        async with db.write() as session:
            account = Account(id=new_id(), username="gone", domain=inbox.domain,
                              acct_key=f"gone@{inbox.domain}",
                              uri=f"http://{inbox.domain}/users/gone",
                              url=f"http://{inbox.domain}/@gone")
            session.add(account)
            await session.flush()
            session.add(RemoteActor(account_id=account.id, inbox_url=personal))
            return account.id

    actor_id = run(remote_actor())
    inbox.status = 410
    run(_deliver(db, settings, sender_id, personal))

    async def gone_at() -> Any:
        async with db.read() as session:
            actor = await session.get(RemoteActor, actor_id)
            return actor.gone_at if actor else None

    assert run(gone_at()) is not None
    inbox.status = 400
    run(_deliver(db, settings, sender_id, inbox.url))
    assert not run(_queued(db))  # a 4xx is final: no retry
