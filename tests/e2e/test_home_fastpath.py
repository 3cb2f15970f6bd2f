"""The raw home read (timelines/service.py home_rows) on a real database: exclusions,
the read-time merge of broadcast followees' posts, and the fallback past a capped home."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from parley.accounts.models import Account
from parley.api.entities.statuses import render_rows
from parley.config import Settings
from parley.lib.ids import new_id
from parley.lib.paging import Page
from parley.posts.models import Mention, Post
from parley.posts.threads import thread_context_rows
from parley.social.models import Block, Follow, Mute
from parley.store.database import Database
from parley.timelines.home import home_rows
from parley.timelines.models import BroadcastAccount, TimelineEntry
from support.clients import Clients, eventually


@dataclass
class World:
    viewer: int
    posts: dict[str, int]


def _account(name: str) -> Account:
    return Account(id=new_id(), username=name, acct_key=name, uri=f"https://x.test/u/{name}",
                   url=f"https://x.test/@{name}")


def _post(author: int, name: str, **fields: object) -> Post:
    post_id = new_id()
    return Post(id=post_id, account_id=author, uri=f"https://x.test/p/{name}-{post_id}",
                thread_id=fields.pop("thread_id", post_id), content=f"<p>{name}</p>", **fields)


async def _build(db: Database) -> World:
    """viewer follows a (fanned out: entries) and b (a broadcast account: no entries); the
    viewer mutes s and blocks c."""
    viewer, a, b, s, c = (_account(f"{n}{new_id() % 100000}") for n in "vabsc")
    posts: dict[str, int] = {}
    async with db.write() as session:
        session.add_all([viewer, a, b, s, c])
        await session.flush()
        session.add_all([Follow(id=new_id(), account_id=viewer.id, target_account_id=x.id)
                         for x in (a, b, c)])
        session.add(Mute(id=new_id(), account_id=viewer.id, target_account_id=s.id))
        session.add(BroadcastAccount(account_id=b.id))
        made = [
            ("a0", _post(a.id, "a0")),  # older than the (capped) home holds
            ("a1", _post(a.id, "a1")),
            ("a2", _post(a.id, "a2", visibility="private")),
            ("a3", _post(a.id, "a3")),  # mentions the muted s: left out
            ("c1", _post(c.id, "c1")),  # entry from before the block: left out
            ("b1", _post(b.id, "b1")),
            ("b2", _post(b.id, "b2")),
            ("b3", _post(b.id, "b3", visibility="direct")),  # not for the viewer
            ("b4", _post(b.id, "b4", in_reply_to_account_id=s.id)),  # reply to a stranger
        ]
        for name, post in made:
            session.add(post)
            await session.flush()
            posts[name] = post.id
        session.add(Mention(post_id=posts["a3"], account_id=s.id))
        session.add_all([TimelineEntry(owner_id=viewer.id, post_id=posts[name],
                                       author_id=c.id if name == "c1" else a.id)
                         for name in ("a1", "a2", "a3", "c1")])
        await session.flush()
        session.add(Block(id=new_id(), account_id=viewer.id, target_account_id=c.id))
    return World(viewer.id, posts)


def _names(world: World, ids: list[int]) -> list[str]:
    by_id = {post_id: name for name, post_id in world.posts.items()}
    return [by_id.get(post_id, str(post_id)) for post_id in ids]


def test_home_merges_broadcasts_applies_exclusions_and_falls_back(database_url: str) -> None:
    async def run() -> None:
        db = Database(database_url)
        try:
            world = await _build(db)
            async with db.fast() as reader:
                rows, _ = await home_rows(reader, viewer_id=world.viewer, page=Page(),
                                          home_cap=800)
                assert _names(world, [row.id for row in rows]) == ["b2", "b1", "a2", "a1"]
                # min_id pages upwards from the oldest; the merge follows.
                rows, _ = await home_rows(reader, viewer_id=world.viewer,
                                          page=Page(min_id=world.posts["a1"], limit=2),
                                          home_cap=800)
                assert _names(world, [row.id for row in rows]) == ["b1", "a2"]
                below = Page(max_id=world.posts["a1"])
                rows, _ = await home_rows(reader, viewer_id=world.viewer, page=below,
                                          home_cap=800)
                assert rows == []  # the home holds less than its cap: nothing was trimmed
                rows, batch = await home_rows(reader, viewer_id=world.viewer, page=below,
                                              home_cap=3)
                assert _names(world, [row.id for row in rows]) == ["a0"]
                entities = await render_rows(reader, rows, viewer_id=world.viewer,
                                             settings=Settings(), filter_context="home",
                                             batch=batch)
                assert [entity["id"] for entity in entities] == [str(world.posts["a0"])]
                assert entities[0]["account"]["acct"].startswith("a")
        finally:
            await db.dispose()

    asyncio.run(run())


def test_thread_rows_leave_out_hidden_posts(database_url: str) -> None:
    async def run() -> None:
        db = Database(database_url)
        try:
            viewer, author, muted = _account("tv"), _account("ta"), _account("tm")
            async with db.write() as session:
                session.add_all([viewer, author, muted])
                await session.flush()
                root = _post(author.id, "root")
                session.add(root)
                await session.flush()
                reply = _post(muted.id, "reply", thread_id=root.id, in_reply_to_id=root.id,
                              in_reply_to_account_id=author.id)
                session.add(reply)
                await session.flush()
                deeper = _post(author.id, "deeper", thread_id=root.id,
                               in_reply_to_id=reply.id, in_reply_to_account_id=muted.id)
                session.add(deeper)
                session.add(Mute(id=new_id(), account_id=viewer.id, target_account_id=muted.id))
            async with db.fast() as reader:
                context = await thread_context_rows(reader, post_id=root.id,
                                                    viewer_id=viewer.id)
                # The muted reply is hidden, the answer below it still found.
                assert [row.id for row in context.descendants] == [deeper.id]
                context = await thread_context_rows(reader, post_id=deeper.id, viewer_id=None)
                assert [row.id for row in context.ancestors] == [root.id, reply.id]
        finally:
            await db.dispose()

    asyncio.run(run())


def test_hot_routes_answer_like_the_api(clients: Clients, http: httpx.Client) -> None:
    """api/hot.py serves home and context ahead of FastAPI: same auth rules, errors and
    Link headers (its answers are checked against the schema like every other)."""
    reader = clients.new_user("hotr")
    narrow = clients.new_user("hotn", scopes=["read:accounts"])
    author = clients.new_user("hota")
    reader.api.account_follow(author.id)
    post = author.api.status_post("hot path")
    headers = {"Authorization": f"Bearer {reader.api.access_token}"}
    assert eventually(lambda: any(item["id"] == post["id"] for item in
                                  http.get("/api/v1/timelines/home/", headers=headers).json()))
    answer = http.get("/api/v1/timelines/home?limit=1", headers=headers)
    assert 'rel="next"' in answer.headers["link"] and "limit=1" in answer.headers["link"]
    assert http.get("/api/v1/timelines/home").status_code == 401
    bad = http.get("/api/v1/timelines/home", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json() == {"error": "The access token is invalid"}
    denied = http.get("/api/v1/timelines/home",
                      headers={"Authorization": f"Bearer {narrow.api.access_token}"})
    assert denied.status_code == 403
    assert http.get("/api/v1/statuses/nonsense/context").status_code == 404
    context = http.get(f"/api/v1/statuses/{post['id']}/context").json()
    assert context == {"ancestors": [], "descendants": []}
    assert http.get("/api/v1/timelines/home?max_id=%00", headers=headers).status_code == 400
