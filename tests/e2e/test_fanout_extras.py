"""List and tag-follower fan-out in batches, and trend scoring against a week of history:
rows made directly on a real database (SQLite or PostgreSQL), handlers run as the worker
would, so that time and batch sizes can be controlled."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import DateTime, bindparam, func, select, text

from parley.accounts.models import Account
from parley.config import Settings
from parley.discovery.trends import trending_tags
from parley.domains import job_registry
from parley.jobs.models import Job
from parley.jobs.registry import JobContext
from parley.lib.ids import id_at, new_id
from parley.lib.timefmt import utcnow
from parley.lists.models import List, ListEntry, ListMember
from parley.posts.models import PostTag, Tag
from parley.social.models import Follow
from parley.store.database import Database
from parley.tags.models import TagFollow
from parley.timelines.models import TimelineEntry

# Each kind run on a payload as stored (a dict), as the worker runs it.
HANDLERS = {name: kind.run for name, kind in job_registry().kinds.items()}


_INSERT_POST = text(
    "INSERT INTO posts (id, account_id, uri, text, content, spoiler_text, sensitive, visibility, "
    "thread_id, replies_count, reposts_count, likes_count, quotes_count, created_at) VALUES "
    "(:id, :owner, :uri, '', '', '', false, :visibility, :id, 0, 0, 0, 0, :created_at)"
).bindparams(bindparam("created_at", type_=DateTime(timezone=True)))


class World:
    """Rows made directly, jobs run by hand."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    async def add(self, *rows: Any) -> None:
        async with self.db.write() as session:
            for row in rows:
                session.add(row)
                await session.flush()

    async def account(self, name: str = "user") -> int:
        account_id = new_id()
        key = f"{name}{account_id}"
        await self.add(Account(id=account_id, username=key, acct_key=key,
                               uri=f"https://x.test/{key}", url=f"https://x.test/{key}"))
        return account_id

    async def follow(self, follower: int, target: int) -> None:
        await self.add(Follow(id=new_id(), account_id=follower, target_account_id=target,
                              state="accepted"))

    async def tag(self, name: str) -> int:
        tag_id = new_id()
        await self.add(Tag(id=tag_id, name=name, display_name=name))
        return tag_id

    async def post(self, author: int, *, tags: tuple[int, ...] = (), post_id: int | None = None,
                   visibility: str = "public") -> int:
        post_id = post_id or new_id()
        # The first schema's columns only, so that migration tests can make posts on an
        # older schema (the ORM's Post has the latest columns).
        async with self.db.write() as session:
            await session.execute(_INSERT_POST, {
                "id": post_id, "owner": author, "uri": f"https://x.test/p/{post_id}",
                "visibility": visibility, "created_at": utcnow()})
        await self.add(*[PostTag(tag_id=tag_id, post_id=post_id) for tag_id in tags])
        return post_id

    async def fanout(self, post_id: int) -> None:
        """The first job and every continuation it enqueued."""
        payload: dict[str, Any] | None = {"post_id": post_id}
        while payload is not None:
            async with self.db.write() as session:
                await HANDLERS["fanout_post"](JobContext(session, self.settings), payload)
            async with self.db.write() as session:
                job = await session.scalar(select(Job).where(Job.kind == "fanout_post")
                                           .order_by(Job.id).limit(1))
                payload = dict(job.payload) if job else None
                if job is not None:
                    await session.delete(job)

    async def count(self, model: Any, *conditions: Any) -> int:
        async with self.db.read() as session:
            return await session.scalar(select(func.count()).select_from(model)
                                        .where(*conditions)) or 0


def scenario(database_url: str, body: Callable[[World], Awaitable[None]], *,
             batch: int = 2) -> None:
    async def main() -> None:
        db = Database(database_url)
        try:
            await body(World(db, Settings(database_url=database_url, fanout_batch_size=batch)))
        finally:
            await db.dispose()

    asyncio.run(main())


def test_list_fanout_covers_every_batch_once(database_url: str) -> None:
    async def body(w: World) -> None:
        author = await w.account("author")
        owners = [await w.account("owner") for _ in range(5)]
        lists = []
        for index, owner in enumerate(owners):
            await w.follow(owner, author)
            list_id = new_id()
            await w.add(List(id=list_id, account_id=owner, title="l", replies_policy="list",
                             exclusive=index % 2 == 0),
                        ListMember(id=new_id(), list_id=list_id, account_id=author))
            lists.append(list_id)
        post = await w.post(author)
        await w.fanout(post)
        await w.fanout(post)  # a retried job inserts nothing twice
        assert await w.count(ListEntry, ListEntry.post_id == post) == 5
        # Owners whose list is exclusive do not get it in home; the others do.
        homes = await w.count(TimelineEntry, TimelineEntry.post_id == post,
                              TimelineEntry.owner_id.in_(owners))
        assert homes == 2

    scenario(database_url, body)


def test_tag_followers_get_public_originals_once(database_url: str) -> None:
    async def body(w: World) -> None:
        author, fan, both = (await w.account("author"), await w.account("fan"),
                             await w.account("both"))
        first, second = await w.tag(f"a{new_id()}"), await w.tag(f"b{new_id()}")
        await w.add(TagFollow(id=new_id(), account_id=fan, tag_id=first),
                    TagFollow(id=new_id(), account_id=both, tag_id=first),
                    TagFollow(id=new_id(), account_id=both, tag_id=second))
        await w.follow(both, author)
        public = await w.post(author, tags=(first, second))
        unlisted = await w.post(author, tags=(first,), visibility="unlisted")
        for post in (public, unlisted):
            await w.fanout(post)
            await w.fanout(post)
        assert await w.count(TimelineEntry, TimelineEntry.post_id == public) == 3
        assert await w.count(TimelineEntry, TimelineEntry.post_id == unlisted,
                             TimelineEntry.owner_id == fan) == 0

    scenario(database_url, body)


def test_trending_tags_compare_today_with_the_week_before(database_url: str) -> None:
    async def body(w: World) -> None:
        people = [await w.account("p") for _ in range(6)]
        rising, steady = await w.tag(f"rising{new_id()}"), await w.tag(f"steady{new_id()}")
        now = utcnow()
        # `steady` has had the same six people every day for a week; `rising` is new today.
        for day in range(1, 8):
            for person in people:
                await w.post(person, tags=(steady,),
                             post_id=id_at(now - timedelta(days=day, hours=1)))
        for person in people:
            await w.post(person, tags=(steady,))
        for person in people[:3]:
            await w.post(person, tags=(rising,))
        async with w.db.read() as session:
            found = [tag.id for tag in await trending_tags(session, offset=0, limit=20)]
        assert rising in found and steady not in found

    scenario(database_url, body)
