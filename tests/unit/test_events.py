"""The event registry: durable subscribers run in the recording transaction, in the order
they were subscribed; live events reach the after-commit consumers only once the
transaction has committed; a rollback takes the subscribers' work with it and publishes
nothing."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from parley import domains, events
from parley.events import Event, record, subscribe, subscribed, take
from parley.events.posts import PostCreated
from parley.store.database import Database


@dataclass(frozen=True)
class Noted(Event):
    """A test event both durable subscribers and the live side hear of."""

    live: ClassVar[bool] = True
    number: int


@dataclass(frozen=True)
class Quiet(Event):
    """A test event with no live side."""

    number: int


class Harness:
    """A database with a table the subscribers write to, and what the live side saw."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.published: list[Event] = []
        self.order: list[str] = []
        self.published_when_durable_ran: list[int] = []
        db.after_commit.append(self._after_commit)

    async def _after_commit(self, info: dict[Any, Any]) -> None:
        self.published.extend(take(info))

    async def first(self, session: AsyncSession, event: Noted | Quiet) -> None:
        self.order.append("first")
        self.published_when_durable_ran.append(len(self.published))
        await session.execute(text("INSERT INTO noted (number) VALUES (:n)"),
                              {"n": event.number})

    async def second(self, session: AsyncSession, event: Noted | Quiet) -> None:
        self.order.append("second")

    async def rows(self) -> list[int]:
        async with self.db.read() as session:
            return list((await session.scalars(text("SELECT number FROM noted"))).all())


def run(tmp_path: Path, body: Any) -> None:
    async def main() -> None:
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'events.sqlite3'}")
        try:
            async with db.write() as session:
                await session.execute(text("CREATE TABLE noted (number INTEGER)"))
            harness = Harness(db)
            subscribe(Noted, harness.first)
            subscribe(Noted, harness.second)
            subscribe(Quiet, harness.first)
            await body(harness)
        finally:
            for kind in (Noted, Quiet):
                events._durable.pop(kind, None)
            await db.dispose()
    asyncio.run(main())


def test_durable_subscribers_run_in_the_transaction_live_ones_after_commit(
        tmp_path: Path) -> None:
    async def body(h: Harness) -> None:
        async with h.db.write() as session:
            await record(session, Noted(1))
            assert h.order == ["first", "second"]  # at once, in subscription order
            assert h.published == []  # nothing before the commit
        assert h.published_when_durable_ran == [0]
        assert h.published == [Noted(1)]
        assert await h.rows() == [1]  # the subscriber's write committed with the change

    run(tmp_path, body)


def test_a_rollback_takes_the_subscribers_work_and_publishes_nothing(tmp_path: Path) -> None:
    async def body(h: Harness) -> None:
        with pytest.raises(RuntimeError):
            async with h.db.write() as session:
                await record(session, Noted(2))
                raise RuntimeError("the change fails after its event")
        assert h.order == ["first", "second"]
        assert h.published == []
        assert await h.rows() == []

    run(tmp_path, body)


def test_a_durable_only_event_is_not_published(tmp_path: Path) -> None:
    async def body(h: Harness) -> None:
        async with h.db.write() as session:
            await record(session, Quiet(3))
            await record(session, Noted(4))
        assert h.published == [Noted(4)]
        assert sorted(await h.rows()) == [3, 4]

    run(tmp_path, body)


def test_subscribing_again_changes_nothing(tmp_path: Path) -> None:
    async def body(h: Harness) -> None:
        subscribe(Noted, h.first)
        assert subscribed(Noted) == (h.first, h.second)
        async with h.db.write() as session:
            await record(session, Noted(5))
        assert h.order == ["first", "second"]

    run(tmp_path, body)


def test_installing_the_domains_twice_subscribes_each_once() -> None:
    domains.install()
    before = subscribed(PostCreated)
    domains.install()
    assert subscribed(PostCreated) == before
    # notifications, conversation, fan-out, link card, federation delivery
    assert len(before) == len(set(before)) == 5


def test_every_job_kind_is_declared_once() -> None:
    kinds = domains.job_registry().kinds
    assert {"fanout_post", "merge_timeline", "unmerge_timeline", "merge_list", "unmerge_tag",
            "publish_scheduled", "verify_profile_links", "close_poll",
            "fetch_card", "media.process", "media.remove_files", "media.sweep",
            "web_push", "federation.distribute", "federation.deliver", "federation.receive",
            "federation.prune", "federation.remove_gone_account",
            "media.fetch_remote", "federation.refresh_thread", "federation.poll_update",
            "social.move_followers", "federation.forward_report",
            "accounts.fetch_remote_image", "accounts.forget_remote_image", "media.fetch_emoji",
            "federation.send_profile"} == set(kinds)


def test_job_payloads_read_back_as_their_declared_types() -> None:
    """A payload goes into the jobs table as JSON and comes back as its dataclass."""
    import orjson

    from parley.timelines.jobs import FANOUT_POST, FanoutPost

    sent = FanoutPost(7, batch=True, after=3, upper=None)
    stored = orjson.loads(orjson.dumps(sent))
    assert FANOUT_POST.read(stored) == sent
    for kind in domains.job_registry().kinds.values():
        assert kind.payload is not dict  # every domain kind has a typed payload
