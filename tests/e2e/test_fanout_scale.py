"""Fan-out at scale: follower batches queued at once, per-post exclusion sets, hybrid
(broadcast) accounts, the home cap, claim fairness and migration 0002 on a populated
database. Rows are made directly and handlers run as the worker would (SQLite or
PostgreSQL, as the other fan-out tests)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from alembic import command
from sqlalchemy import delete, insert, select, text, update

from e2e.test_fanout_extras import HANDLERS, World
from parley.accounts.models import Account
from parley.api.streaming.followers import follower_resolver, homes_resolver
from parley.config import Settings
from parley.domains import install
from parley.events import EVENTS_KEY
from parley.events.live import BroadcastDelivered, Delivered
from parley.jobs import queue
from parley.jobs.models import Job
from parley.jobs.registry import JobContext, JobKind
from parley.lib.ids import new_id
from parley.lib.timefmt import utcnow
from parley.lists.models import List, ListMember
from parley.posts.models import Mention
from parley.posts.remote import RemotePost, store_remote_post
from parley.social.models import Block, DomainBlock, Follow, Mute
from parley.store.database import Database
from parley.store.dialect import engine_url
from parley.store.migrate import alembic_config, migrate
from parley.streaming import channels
from parley.streaming.broker import Broker
from parley.tags.models import TagFollow
from parley.timelines.broadcast import record_over_threshold
from parley.timelines.fanout_facts import IN_LOOP_FOLLOWERS
from parley.timelines.home_cap import trim_homes
from parley.timelines.jobs import fan_out_here
from parley.timelines.models import BroadcastAccount, TimelineEntry
from support.server import fresh_database


def run(database_url: str, body: Any, **settings: Any) -> None:
    async def main() -> None:
        db = Database(database_url)
        try:
            await body(World(db, Settings(database_url=database_url, **settings)))
        finally:
            await db.dispose()

    asyncio.run(main())


async def homes(w: World, post_id: int, owners: list[int]) -> set[int]:
    async with w.db.read() as session:
        return set((await session.scalars(select(TimelineEntry.owner_id).where(
            TimelineEntry.post_id == post_id, TimelineEntry.owner_id.in_(owners)))).all())


async def plan(w: World, post_id: int) -> list[Any]:
    """Run the post's first job; returns the events it recorded."""
    async with w.db.write() as session:
        await HANDLERS["fanout_post"](JobContext(session, w.settings), {"post_id": post_id})
        return list(session.info.get(EVENTS_KEY, []))


@pytest.mark.parametrize("follower_count", [7, 8])
def test_batches_are_queued_at_once_and_run_in_any_order(database_url: str,
                                                         follower_count: int) -> None:
    """7 or 8 followers in batches of 2 are 4 batches: with 8, no empty fifth after the last."""
    async def body(w: World) -> None:
        author = await w.account("author")
        followers = [await w.account("f") for _ in range(follower_count)]
        for follower in followers:
            await w.follow(follower, author)
        post = await w.post(author)
        await plan(w, post)
        async with w.db.write() as session:
            jobs = (await session.scalars(select(Job).where(Job.kind == "fanout_post"))).all()
            payloads = [dict(job.payload) for job in jobs]
            assert {job.priority for job in jobs} == {queue.PRIORITY_BULK}
            for job in jobs:
                await session.delete(job)
        assert len(payloads) == 4  # all known up front
        assert await homes(w, post, followers) == set()
        for payload in reversed(payloads):
            async with w.db.write() as session:
                await HANDLERS["fanout_post"](JobContext(session, w.settings), payload)
        assert await homes(w, post, [author, *followers]) == {author, *followers}

    run(database_url, body, fanout_batch_size=2)


def test_batches_reach_connected_followers_once_by_range(database_url: str) -> None:
    """Follower batches name their follower range, not their receivers: each hub finds which
    of its connected accounts in the range got the post, so every connected receiver hears
    of it once (a tag follower who follows too only through its batch) and others never.
    Homes the job wrote by name (the author's own, a tag follower's who does not follow) lie
    in some batch's range too, and must not hear of it a second time through that range."""
    async def body(w: World) -> None:
        author = await w.account("author")
        followers = [await w.account("f") for _ in range(7)]
        for follower in followers:
            await w.follow(follower, author)
        blocker, tagged = followers[2], followers[5]
        tag_only = await w.account("tagonly")  # the highest id: in the last batch's range
        tag = await w.tag(f"t{new_id()}")
        await w.add(Block(id=new_id(), account_id=blocker, target_account_id=author),
                    TagFollow(id=new_id(), account_id=tagged, tag_id=tag),
                    TagFollow(id=new_id(), account_id=tag_only, tag_id=tag))
        post = await w.post(author, tags=(tag,))
        events = await plan(w, post)
        async with w.db.write() as session:
            jobs = (await session.scalars(select(Job).where(Job.kind == "fanout_post"))).all()
            payloads = [dict(job.payload) for job in jobs]
            for job in jobs:
                await session.delete(job)
        for payload in payloads:
            async with w.db.write() as session:
                await HANDLERS["fanout_post"](JobContext(session, w.settings), payload)
                events += session.info.get(EVENTS_KEY, [])
        delivered = [e for e in events if isinstance(e, Delivered)]
        assert [set(e.owner_ids) for e in delivered if e.owner_ids] == [{author, tag_only}]
        broker = Broker()
        broker.hub.resolve_homes = homes_resolver(w.db)
        streams = {}
        for account in [author, *followers, tag_only]:
            streams[account] = broker.subscribe()
            streams[account].add(channels.home(account))
        for event in delivered:  # as the publisher does: homes by name, batches by range
            named = [channels.home(owner) for owner in event.owner_ids]
            if event.followers is not None:
                named.append(channels.reached(post, *event.followers))
            for channel in named:
                await broker.publish(channel, {"event": "update", "payload": "{}"})
        for _ in range(100):
            if broker.hub._drain is None:
                break
            await asyncio.sleep(0.02)
        got = {account: len(stream.take()) for account, stream in streams.items()}
        assert got == {account: 0 if account == blocker else 1 for account in streams}

    run(database_url, body, fanout_batch_size=2)


def test_exclusion_sets_keep_every_rule(database_url: str) -> None:
    async def body(w: World) -> None:
        author = await w.account("author")
        names = ("plain", "blocks", "blocked", "mutes", "expired", "domain", "exclusive")
        people = {name: await w.account(name) for name in names}
        for person in people.values():
            await w.follow(person, author)
        async with w.db.write() as session:
            await session.execute(update(Account).where(Account.id == author)
                                  .values(domain="far.test"))
        list_id = new_id()
        await w.add(Block(id=new_id(), account_id=people["blocks"], target_account_id=author),
                    Block(id=new_id(), account_id=author, target_account_id=people["blocked"]),
                    Mute(id=new_id(), account_id=people["mutes"], target_account_id=author),
                    Mute(id=new_id(), account_id=people["expired"], target_account_id=author,
                         expires_at=utcnow() - timedelta(hours=1)),
                    DomainBlock(id=new_id(), account_id=people["domain"], domain="far.test"),
                    List(id=list_id, account_id=people["exclusive"], title="x",
                         replies_policy="list", exclusive=True),
                    ListMember(id=new_id(), list_id=list_id, account_id=author))
        post = new_id()
        await w.post(author, post_id=post)
        async with w.db.write() as session:  # a remote author's post carries its domain
            await session.execute(text("UPDATE posts SET domain = 'far.test' WHERE id = :id"),
                                  {"id": post})
        await w.fanout(post)
        assert await homes(w, post, list(people.values())) == {people["plain"],
                                                               people["expired"]}

    run(database_url, body, fanout_batch_size=3)


async def _streamed(w: World, author: int, post: int, events: list[Any],
                    connected: list[int]) -> dict[int, int]:
    """Publish a broadcast post's events as the publisher does, through a hub whose home
    streams are `connected`; how many updates each home received."""
    broker = Broker()
    broker.hub.resolve_followers = follower_resolver(w.db)
    streams = {account: broker.subscribe() for account in connected}
    for account, stream in streams.items():
        stream.add(channels.home(account))
    payload = orjson.dumps({"id": str(post), "account": {"id": str(author)}, "reblog": None,
                            "in_reply_to_account_id": None}).decode()
    for event in events:
        if isinstance(event, Delivered):
            for owner in event.owner_ids:
                await broker.publish(channels.home(owner), {"event": "update", "payload": payload})
        elif isinstance(event, BroadcastDelivered):
            await broker.publish(channels.followers_of(author), {
                "event": "update", "account_id": author, "payload": payload})
    for _ in range(100):
        if broker.hub._drain is None:
            break
        await asyncio.sleep(0.02)
    return {account: len(stream.take()) for account, stream in streams.items()}


def test_broadcast_posts_skip_follower_homes(database_url: str) -> None:
    async def body(w: World) -> None:
        author = await w.account("star")
        followers = [await w.account("fan") for _ in range(4)]
        for follower in followers:
            await w.follow(follower, author)
        async with w.db.write() as session:
            await session.execute(update(Account).where(Account.id == author)
                                  .values(followers_count=4))
            await record_over_threshold(session, w.settings)
        post = await w.post(author)
        await w.add(Mention(post_id=post, account_id=followers[0]))
        events = await plan(w, post)
        assert BroadcastDelivered(post, author) in events
        assert await homes(w, post, [author, *followers]) == {author, followers[0]}
        async with w.db.read() as session:
            assert await session.scalar(select(Job.id).where(Job.kind == "fanout_post")) is None
        # Live: the homes written by name hear of it by name, the other followers through the
        # broadcast; the mentioned follower (both) once.
        got = await _streamed(w, author, post, events, [author, *followers])
        assert got == dict.fromkeys([author, *followers], 1)

    run(database_url, body, broadcast_threshold=3)

    async def disabled(w: World) -> None:  # threshold 0: everyone's home again
        async with w.db.read() as session:
            star = await session.scalar(select(BroadcastAccount.account_id).limit(1))
        post = await w.post(star)
        events = await plan(w, post)
        assert not any(isinstance(event, BroadcastDelivered) for event in events)

    run(database_url, disabled, broadcast_threshold=0)


def test_the_follow_that_reaches_the_threshold_records_the_account(database_url: str) -> None:
    async def body(w: World) -> None:
        author, fan = await w.account("rising"), await w.account("fan")
        await w.follow(fan, author)
        async with w.db.write() as session:
            await session.execute(update(Account).where(Account.id == author)
                                  .values(followers_count=5))
            await HANDLERS["merge_timeline"](JobContext(session, w.settings),
                                             {"owner_id": fan, "target_id": author})
        async with w.db.read() as session:
            assert await session.get(BroadcastAccount, author) is not None

    run(database_url, body, broadcast_threshold=5)


def test_trim_keeps_the_newest_entries(database_url: str) -> None:
    async def body(w: World) -> None:
        owner, author = await w.account("owner"), await w.account("author")
        posts = [await w.post(author) for _ in range(9)]
        await w.add(*[TimelineEntry(owner_id=owner, post_id=p, author_id=author) for p in posts])
        async with w.db.write() as session:
            assert await trim_homes(session, [owner], 5, sample=False) == 1
        assert await homes(w, 0, []) == set()
        async with w.db.read() as session:
            kept = (await session.scalars(select(TimelineEntry.post_id)
                                          .where(TimelineEntry.owner_id == owner))).all()
        assert sorted(kept) == sorted(posts)[-5:]

    run(database_url, body)


async def _noop(_ctx: JobContext, _payload: dict[str, Any]) -> None:
    pass


NOOP = JobKind("noop", dict, _noop)


def test_claim_takes_interactive_jobs_first(database_url: str) -> None:
    async def body(w: World) -> None:
        async with w.db.write() as session:
            await session.execute(text("DELETE FROM jobs"))
            for _ in range(3):
                await queue.enqueue(session, NOOP, {}, priority=queue.PRIORITY_BULK)
            small = await queue.enqueue(session, NOOP, {})
        async with w.db.write() as session:
            first = await queue.claim(session, "t", 1)
            rest = await queue.claim(session, "t", 4)
            await session.execute(text("DELETE FROM jobs"))
        assert [job.id for job in first] == [small]
        assert len(rest) == 3 and {job.priority for job in rest} == {queue.PRIORITY_BULK}

    run(database_url, body)


def test_migration_0002_keeps_a_populated_table(tmp_path: Path) -> None:
    with fresh_database(tmp_path) as url:
        resolved = engine_url(url)
        migrate(resolved)
        made: dict[str, Any] = {}

        async def people(w: World) -> None:
            # Made at the head, where the models match the tables; kept by the downgrade.
            made["owner"], made["author"] = await w.account("owner"), await w.account("author")
            made["posts"] = [await w.post(made["author"]) for _ in range(3)]

        async def fill(w: World) -> None:
            await w.add(*[TimelineEntry(owner_id=made["owner"], post_id=p,
                                        author_id=made["author"]) for p in made["posts"]])

        async def entries(w: World) -> None:
            async with w.db.read() as session:
                found = await session.scalar(text("SELECT count(*) FROM timeline_entries"))
            assert found == 3

        run(resolved, people)
        command.downgrade(alembic_config(resolved), "0001")
        run(resolved, fill)
        migrate(resolved)
        run(resolved, entries)
        command.downgrade(alembic_config(resolved), "0001")
        run(resolved, entries)
        migrate(resolved)
        run(resolved, entries)


async def _remote_post(w: World, author_id: int, number: int) -> tuple[int, list[str]]:
    """A post of a remote author stored as federation stores one (fan_out_here); its id and
    the kinds of the jobs its transaction queued."""
    async with w.db.write() as session:
        fan_out_here(session, w.settings)
        author = await session.get(Account, author_id)
        assert author is not None
        post = await store_remote_post(session, author=author, remote=RemotePost(
            uri=f"https://remote.test/p/{author_id}/{number}", url=None,
            content="<p>from afar</p>", visibility="public"))
        queued = list((await session.scalars(select(Job.kind))).all())
        await session.execute(delete(Job))
    return post.id, queued


def test_a_remote_post_with_few_followers_is_fanned_out_where_it_is_stored(
        database_url: str) -> None:
    """fan_out_here: a post from another server reaches its few local followers' homes in
    the transaction that stores it, no fan-out job queued; past IN_LOOP_FOLLOWERS a job
    does it, as for any post."""
    async def body(w: World) -> None:
        install()  # the domains' subscribers: PostCreated's fan-out among them
        author = new_id()
        await w.add(Account(id=author, username="far", acct_key="far@remote.test",
                            domain="remote.test", uri="https://remote.test/far",
                            url="https://remote.test/far"))
        fans = [await w.account("fan") for _ in range(2)]
        for fan in fans:
            await w.follow(fan, author)
        post, queued = await _remote_post(w, author, 1)
        assert await homes(w, post, fans) == set(fans)
        assert "fanout_post" not in queued
        many = [new_id() for _ in range(IN_LOOP_FOLLOWERS)]
        async with w.db.write() as session:
            await session.execute(insert(Account), [
                {"id": i, "username": f"m{i}", "acct_key": f"m{i}", "uri": f"https://x.test/{i}",
                 "url": f"https://x.test/{i}", "created_at": utcnow()} for i in many])
            await session.execute(insert(Follow), [
                {"id": new_id(), "account_id": i, "target_account_id": author,
                 "state": "accepted", "created_at": utcnow()} for i in many])
        post, queued = await _remote_post(w, author, 2)
        assert "fanout_post" in queued and await homes(w, post, fans) == set()

    run(database_url, body)
