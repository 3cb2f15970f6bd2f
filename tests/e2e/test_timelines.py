"""Home, public and hashtag timelines, bookmarks and favourites, through Mastodon.py; and
the fan-out job handlers driven directly on a real database."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import httpx
import pytest
from mastodon import MastodonUnauthorizedError
from sqlalchemy import delete, func, select

from parley.accounts.models import Account
from parley.config import Settings
from parley.jobs.models import Job
from parley.jobs.queue import PRIORITY_BULK
from parley.jobs.registry import JobContext
from parley.lib.ids import new_id
from parley.posts.models import Mention, Post
from parley.social.models import Follow
from parley.store.database import Database
from parley.timelines.jobs import JOBS
from parley.timelines.models import TimelineEntry
from support.clients import Clients, TestUser, eventually

# Each kind run on a payload as stored (a dict), as the worker runs it.
HANDLERS = {kind.name: kind.run for kind in JOBS}


def ids(statuses: Any) -> list[str]:
    return [status["id"] for status in statuses]


def home_ids(user: TestUser, **params: Any) -> list[str]:
    return ids(user.api.timeline_home(limit=40, **params))


def in_home(user: TestUser, *status_ids: str) -> bool:
    return set(status_ids) <= set(home_ids(user))


def test_home_shows_followed_accounts_not_strangers(clients: Clients) -> None:
    reader, friend, stranger = (clients.new_user("reader"), clients.new_user("friend"),
                                clients.new_user("stranger"))
    before = friend.api.status_post("written before the follow")
    reader.api.account_follow(friend.id)
    after = friend.api.status_post("written after the follow")
    own = reader.api.status_post("my own post")
    elsewhere = stranger.api.status_post("nobody here follows me")
    assert eventually(lambda: in_home(reader, before["id"], after["id"], own["id"]))
    assert elsewhere["id"] not in home_ids(reader)
    home = reader.api.timeline_home()
    assert home[0]["id"] == own["id"] and home[0]["account"]["id"] == reader.id


def test_followers_only_post_reaches_followers_only(clients: Clients) -> None:
    author, fan, outsider = (clients.new_user("author"), clients.new_user("fan"),
                             clients.new_user("outsider"))
    fan.api.account_follow(author.id)
    outsider.api.account_follow(fan.id)
    private = author.api.status_post("for my followers", visibility="private")
    marker = fan.api.status_post("a marker the outsider will see")
    assert eventually(lambda: in_home(fan, private["id"]))
    assert eventually(lambda: in_home(outsider, marker["id"]))
    assert private["id"] not in home_ids(outsider)
    public_ids = ids(clients.anonymous().timeline_public(limit=40))
    assert private["id"] not in public_ids


def test_direct_post_reaches_only_mentioned_followers(clients: Clients) -> None:
    author, fan, other_fan, stranger = (clients.new_user("dmauthor"), clients.new_user("dmfan"),
                                        clients.new_user("otherfan"), clients.new_user("dmx"))
    fan.api.account_follow(author.id)
    other_fan.api.account_follow(author.id)
    direct = author.api.status_post(f"@{fan.username} @{stranger.username} just us",
                                    visibility="direct")
    marker = author.api.status_post("public marker")
    assert eventually(lambda: in_home(fan, direct["id"], marker["id"]))
    assert eventually(lambda: in_home(other_fan, marker["id"]))
    assert direct["id"] not in home_ids(other_fan)
    assert direct["id"] not in home_ids(stranger)
    assert direct["id"] in home_ids(author)


def test_unfollow_removes_entries(clients: Clients) -> None:
    reader, friend = clients.new_user("leaver"), clients.new_user("left")
    reader.api.account_follow(friend.id)
    post = friend.api.status_post("soon gone from your home")
    assert eventually(lambda: in_home(reader, post["id"]))
    reader.api.account_unfollow(friend.id)
    assert eventually(lambda: post["id"] not in home_ids(reader))


def test_reply_to_an_account_not_followed_stays_out_of_home(clients: Clients) -> None:
    reader, friend, other = (clients.new_user("rd"), clients.new_user("fr"),
                             clients.new_user("ot"))
    reader.api.account_follow(friend.id)
    root = other.api.status_post("a root by someone the reader does not follow")
    reply = friend.api.status_post(f"@{other.username} a reply", in_reply_to_id=root["id"])
    thread = friend.api.status_post("continuing my own thread", in_reply_to_id=None)
    self_reply = friend.api.status_post("and replying to myself", in_reply_to_id=thread["id"])
    assert eventually(lambda: in_home(reader, thread["id"], self_reply["id"]))
    assert reply["id"] not in home_ids(reader)


def test_repost_reaches_followers_once(clients: Clients) -> None:
    reader, reposter, author = (clients.new_user("rr"), clients.new_user("rp"),
                                clients.new_user("ra"))
    reader.api.account_follow(reposter.id)
    original = author.api.status_post("worth sharing")
    repost = reposter.api.status_reblog(original["id"])
    assert eventually(lambda: in_home(reader, repost["id"]))
    [entry] = [s for s in reader.api.timeline_home() if s["id"] == repost["id"]]
    assert entry["reblog"]["id"] == original["id"]
    public_ids = ids(clients.anonymous().timeline_public(limit=40))
    assert original["id"] in public_ids and repost["id"] not in public_ids


def test_public_timeline_rules_and_flags(clients: Clients) -> None:
    author, other = clients.new_user("pub"), clients.new_user("puo")
    root = other.api.status_post("root")
    public = author.api.status_post("hello world")
    unlisted = author.api.status_post("quietly", visibility="unlisted")
    reply = author.api.status_post(f"@{other.username} hi", in_reply_to_id=root["id"])
    anonymous = clients.anonymous()
    everything = ids(anonymous.timeline_public(since_id=root["id"]))
    assert public["id"] in everything
    assert unlisted["id"] not in everything and reply["id"] not in everything
    assert public["id"] in ids(anonymous.timeline_public(local=True, since_id=root["id"]))
    assert anonymous.timeline_public(remote=True, since_id=root["id"]) == []
    assert author.api.timeline_public(only_media=True, since_id=root["id"]) == []


def test_tag_timeline(clients: Clients, http: httpx.Client) -> None:
    author = clients.new_user("tagger")
    tag, other = f"parley{secrets.token_hex(3)}", f"other{secrets.token_hex(3)}"
    tagged = author.api.status_post(f"about #{tag.upper()}")
    both = author.api.status_post(f"#{tag} and #{other}")
    author.api.status_post(f"only #{other}")
    author.api.status_post(f"#{tag} but unlisted", visibility="unlisted")
    anonymous = clients.anonymous()
    assert ids(anonymous.timeline_hashtag(tag)) == [both["id"], tagged["id"]]
    assert ids(anonymous.timeline_hashtag(tag, local=True)) == [both["id"], tagged["id"]]
    assert ids(http.get(f"/api/v1/timelines/tag/%23{tag}").json()) == [both["id"], tagged["id"]]
    assert anonymous.timeline_hashtag(tag, remote=True) == []
    assert anonymous.timeline_hashtag(f"nosuchtag{secrets.token_hex(3)}") == []
    path = f"/api/v1/timelines/tag/{tag}"
    assert ids(http.get(path, params={"all[]": other}).json()) == [both["id"]]
    assert ids(http.get(path, params={"none[]": other}).json()) == [tagged["id"]]
    assert len(http.get(f"/api/v1/timelines/tag/{other}", params={"any[]": tag}).json()) == 3


def test_home_paging_with_max_min_since_and_link(clients: Clients, http: httpx.Client) -> None:
    author = clients.new_user("pager")
    posts = [author.api.status_post(f"post {n}")["id"] for n in range(5)]
    newest_first = posts[::-1]
    assert eventually(lambda: home_ids(author)[:5] == newest_first)
    api = author.api
    assert ids(api.timeline_home(limit=2)) == newest_first[:2]
    assert ids(api.timeline_home(limit=2, max_id=posts[3])) == [posts[2], posts[1]]
    assert ids(api.timeline_home(limit=2, min_id=posts[1])) == [posts[3], posts[2]]
    assert ids(api.timeline_home(limit=2, since_id=posts[1])) == [posts[4], posts[3]]
    first = api.timeline_home(limit=2)
    second = api.fetch_next(first)
    assert second is not None and ids(second) == [posts[2], posts[1]]
    newer = api.fetch_previous(second)
    assert newer is not None and ids(newer) == [posts[4], posts[3]]
    token = api.access_token
    raw = http.get("/api/v1/timelines/home", params={"limit": 2},
                   headers={"Authorization": f"Bearer {token}"})
    link = raw.headers["link"]
    assert f"max_id={posts[3]}" in link and f"min_id={posts[4]}" in link
    assert 'rel="next"' in link and 'rel="prev"' in link
    capped = http.get("/api/v1/timelines/home", params={"limit": 500},
                      headers={"Authorization": f"Bearer {token}"})
    assert capped.status_code == 200 and len(capped.json()) <= 40


def test_bookmarks_and_favourites_page_by_when_marked(clients: Clients) -> None:
    reader, author = clients.new_user("marker"), clients.new_user("marked")
    posts = [author.api.status_post(f"mark me {n}")["id"] for n in range(3)]
    for post_id in (posts[2], posts[0], posts[1]):  # marked out of posting order
        reader.api.status_bookmark(post_id)
        reader.api.status_favourite(post_id)
    for listing in (reader.api.bookmarks, reader.api.favourites):
        first = listing(limit=2)
        assert ids(first) == [posts[1], posts[0]]
        rest = reader.api.fetch_next(first)
        assert rest is not None and ids(rest) == [posts[2]]
        assert ids(reader.api.fetch_remaining(first)) == [posts[1], posts[0], posts[2]]
    assert author.api.bookmarks() == [] and author.api.favourites() == []
    reader.api.status_unbookmark(posts[0])
    reader.api.status_unfavourite(posts[0])
    assert posts[0] not in ids(reader.api.bookmarks())
    assert posts[0] not in ids(reader.api.favourites())


def test_timeline_bad_input(clients: Clients, http: httpx.Client) -> None:
    for path in ("/api/v1/timelines/home", "/api/v1/bookmarks", "/api/v1/favourites"):
        response = http.get(path)
        assert response.status_code == 401 and "error" in response.json()
    user = clients.new_user("writeonly")
    writer = clients.mastodon()
    writer.log_in(username=f"{user.username}@example.com", password=user.password,
                  scopes=["write"], allow_http=True)
    token = {"Authorization": f"Bearer {writer.access_token}"}
    for path in ("/api/v1/timelines/home", "/api/v1/bookmarks", "/api/v1/favourites"):
        forbidden = http.get(path, headers=token)
        assert forbidden.status_code == 403 and "scope" in forbidden.json()["error"]
    with pytest.raises(MastodonUnauthorizedError):
        clients.mastodon("not-a-token").timeline_public()
    odd = {"limit": "many", "max_id": "abc", "local": "maybe"}
    assert http.get("/api/v1/timelines/public", params=odd).status_code == 422
    odd.pop("local")
    assert http.get("/api/v1/timelines/public", params=odd).status_code == 200
    assert http.get("/api/v1/timelines/tag/%20", params={"any[]": ["x", "y"]}).json() == []


class World:
    """Rows made directly, and the timeline handlers run as the worker would."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    async def account(self, name: str, *, domain: str | None = None) -> int:
        account_id = new_id()
        key = f"{name}{account_id}" + (f"@{domain}" if domain else "")
        async with self.db.write() as session:
            session.add(Account(id=account_id, username=f"{name}{account_id}", domain=domain,
                                acct_key=key, uri=f"https://x.test/{key}",
                                url=f"https://x.test/{key}"))
        return account_id

    async def follow(self, follower: int, target: int, *, show_reposts: bool = True) -> None:
        async with self.db.write() as session:
            session.add(Follow(id=new_id(), account_id=follower, target_account_id=target,
                               state="accepted", show_reposts=show_reposts))

    async def unfollow(self, follower: int, target: int) -> None:
        async with self.db.write() as session:
            await session.execute(delete(Follow).where(Follow.account_id == follower,
                                                       Follow.target_account_id == target))

    async def post(self, author: int, *, visibility: str = "public",
                   reply_to: tuple[int, int] | None = None, repost_of: int | None = None,
                   mentions: tuple[int, ...] = ()) -> int:
        post_id = new_id()
        async with self.db.write() as session:
            session.add(Post(id=post_id, account_id=author, uri=f"https://x.test/p/{post_id}",
                             visibility=visibility, thread_id=post_id, repost_of_id=repost_of,
                             in_reply_to_id=reply_to[0] if reply_to else None,
                             in_reply_to_account_id=reply_to[1] if reply_to else None))
            await session.flush()
            for account_id in mentions:
                session.add(Mention(post_id=post_id, account_id=account_id))
        return post_id

    async def run(self, kind: str, payload: dict[str, Any]) -> None:
        async with self.db.write() as session:
            await HANDLERS[kind](JobContext(session=session, settings=self.settings), payload)

    async def fanout(self, post_id: int) -> None:
        """The first job, then every continuation it enqueued, as the worker would."""
        await self.run("fanout_post", {"post_id": post_id})
        while True:
            async with self.db.write() as session:
                job = await session.scalar(select(Job).where(Job.kind == "fanout_post")
                                           .order_by(Job.id).limit(1))
                if job is None:
                    return
                assert job.priority == PRIORITY_BULK
                payload = dict(job.payload)
                await session.delete(job)
            await self.run("fanout_post", payload)

    async def homes_with(self, post_id: int) -> set[int]:
        async with self.db.read() as session:
            return set((await session.scalars(select(TimelineEntry.owner_id)
                                              .where(TimelineEntry.post_id == post_id))).all())

    async def entries(self) -> int:
        async with self.db.read() as session:
            return await session.scalar(select(func.count()).select_from(TimelineEntry)) or 0


def scenario(database_url: str, body: Any, *, batch: int = 2) -> None:
    async def main() -> None:
        db = Database(database_url)
        try:
            await body(World(db, Settings(database_url=database_url, fanout_batch_size=batch)))
        finally:
            await db.dispose()

    asyncio.run(main())


def test_fanout_reaches_author_and_local_followers_in_batches_idempotently(
        database_url: str) -> None:
    async def body(w: World) -> None:
        author = await w.account("author")
        followers = [await w.account("fan") for _ in range(5)]
        remote = await w.account("remote", domain="far.example")
        stranger = await w.account("stranger")
        for follower in [*followers, remote]:
            await w.follow(follower, author)
        post = await w.post(author)
        await w.fanout(post)
        assert await w.homes_with(post) == {author, *followers}
        before = await w.entries()
        await w.fanout(post)
        assert await w.entries() == before
        assert stranger not in await w.homes_with(post)

    scenario(database_url, body)


def test_followers_only_and_direct_posts(database_url: str) -> None:
    async def body(w: World) -> None:
        author, fan, mentioned_fan, mentioned_stranger = [
            await w.account(n) for n in ("author", "fan", "mfan", "mstranger")]
        await w.follow(fan, author)
        await w.follow(mentioned_fan, author)
        private = await w.post(author, visibility="private")
        direct = await w.post(author, visibility="direct",
                              mentions=(mentioned_fan, mentioned_stranger))
        await w.fanout(private)
        await w.fanout(direct)
        assert await w.homes_with(private) == {author, fan, mentioned_fan}
        assert await w.homes_with(direct) == {author, mentioned_fan}

    scenario(database_url, body)


def test_reply_to_someone_else_reaches_only_who_follows_both(database_url: str) -> None:
    async def body(w: World) -> None:
        author, other, fan_of_both, fan_of_author = [
            await w.account(n) for n in ("author", "other", "both", "one")]
        for target in (author, other):
            await w.follow(fan_of_both, target)
        await w.follow(fan_of_author, author)
        await w.follow(other, author)
        root = await w.post(other)
        reply = await w.post(author, reply_to=(root, other))
        self_reply = await w.post(author, reply_to=(reply, author))
        await w.fanout(reply)
        await w.fanout(self_reply)
        assert await w.homes_with(reply) == {author, other, fan_of_both}
        assert await w.homes_with(self_reply) == {author, other, fan_of_both, fan_of_author}

    scenario(database_url, body)


def test_repost_skips_who_has_the_original_or_hides_reposts(database_url: str) -> None:
    async def body(w: World) -> None:
        original_author, reposter, has_it, hides, plain = [
            await w.account(n) for n in ("orig", "rp", "has", "hides", "plain")]
        await w.follow(has_it, original_author)
        for follower in (has_it, plain):
            await w.follow(follower, reposter)
        await w.follow(hides, reposter, show_reposts=False)
        second = await w.account("rp2")
        await w.follow(plain, second)
        original = await w.post(original_author)
        await w.fanout(original)
        repost = await w.post(reposter, repost_of=original)
        await w.fanout(repost)
        assert await w.homes_with(repost) == {reposter, plain}
        again = await w.post(second, repost_of=original)  # plain already has the first
        await w.fanout(again)
        assert await w.homes_with(again) == {second}

    scenario(database_url, body)


def test_merge_and_unmerge_on_follow_changes(database_url: str) -> None:
    async def body(w: World) -> None:
        owner, target, third = [await w.account(n) for n in ("owner", "target", "third")]
        public = await w.post(target)
        private = await w.post(target, visibility="private")
        direct = await w.post(target, visibility="direct", mentions=(third,))
        reply_to_third = await w.post(target, reply_to=(await w.post(third), third))
        fourth = await w.account("fourth")
        reply_to_fourth = await w.post(target, reply_to=(await w.post(fourth), fourth))
        shared = await w.post(target, repost_of=await w.post(third))
        await w.follow(owner, third)  # owner's home holds an unrelated repost by third
        await w.fanout(await w.post(third, repost_of=await w.post(target)))
        await w.follow(owner, target)
        await w.run("merge_timeline", {"owner_id": owner, "target_id": target})
        await w.run("merge_timeline", {"owner_id": owner, "target_id": target})
        for post, expected in ((public, True), (private, True), (direct, False),
                               (reply_to_third, True), (reply_to_fourth, False),
                               (shared, True)):
            assert (owner in await w.homes_with(post)) is expected
        await w.unfollow(owner, target)
        await w.run("unmerge_timeline", {"owner_id": owner, "target_id": target})
        assert owner not in await w.homes_with(public) | await w.homes_with(private)

    scenario(database_url, body)
