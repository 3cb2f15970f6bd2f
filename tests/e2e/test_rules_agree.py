"""Each rule has one definition and several derived forms (SQLAlchemy for the ORM reads, SQL
compiled for the raw read path, Python over loaded rows, the fan-out's set-based SQL, the
streaming hub's lookups): on a table of cases, every form must give the table's answer.
Rows are made directly on a real database (SQLite or PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select, union_all

from parley.accounts.models import Account
from parley.lib.ids import new_id
from parley.lib.paging import Page
from parley.lib.timefmt import utcnow
from parley.lists.models import List, ListMember
from parley.notifications.models import Notification
from parley.notifications.rows import notification_rows
from parley.notifications.service import NotificationFilter, list_notifications
from parley.posts.models import Mention, Post
from parley.posts.rows import RowBatch, load_exclusions
from parley.posts.shown import shows, shows_post_or_repost, without_repeated_originals
from parley.posts.visibility import (
    account_hidden,
    can_view,
    feed_visible,
    visible_to,
)
from parley.social.exclusions import hidden_to
from parley.social.models import Block, DomainBlock, Follow, Mute
from parley.store.database import Database
from parley.store.rawsql import Reader
from parley.streaming.broker import BroadcastPost
from parley.timelines.fanout_facts import Fanout, FanPost
from parley.timelines.fanout_rules import (
    follower_batch,
    follower_rows,
    mentioned_follower_rows,
)
from parley.timelines.home import _FALLBACK, _keep
from parley.timelines.models import TimelineEntry
from parley.timelines.reached import broadcast_receivers


@dataclass
class World:
    db: Database
    names: dict[int, str] = field(default_factory=dict)
    domains: dict[int, str | None] = field(default_factory=dict)

    async def add(self, *rows: Any) -> None:
        async with self.db.write() as session:
            for row in rows:
                session.add(row)
                await session.flush()

    async def account(self, name: str, domain: str | None = None) -> int:
        account_id = new_id()
        key = f"{name}{account_id}"
        await self.add(Account(id=account_id, username=key, acct_key=key, domain=domain,
                               uri=f"https://x.test/{key}", url=f"https://x.test/{key}"))
        self.names[account_id] = name
        self.domains[account_id] = domain
        return account_id

    async def accounts(self, *names: str) -> dict[str, int]:
        return {name: await self.account(name) for name in names}

    async def follow(self, follower: int, target: int, *, state: str = "accepted",
                     show_reposts: bool = True) -> None:
        await self.add(Follow(id=new_id(), account_id=follower, target_account_id=target,
                              state=state, show_reposts=show_reposts))

    async def post(self, author: int, visibility: str = "public", *,
                   mentions: tuple[int, ...] = (), reply_to: int | None = None,
                   repost_of: int | None = None) -> int:
        post_id = new_id()
        await self.add(Post(id=post_id, account_id=author, domain=self.domains[author],
                            uri=f"https://x.test/p/{post_id}",
                            visibility=visibility, thread_id=post_id,
                            in_reply_to_account_id=reply_to, repost_of_id=repost_of),
                       *[Mention(post_id=post_id, account_id=m) for m in mentions])
        return post_id


def scenario(database_url: str, body: Callable[[World], Awaitable[None]]) -> None:
    async def main() -> None:
        db = Database(database_url)
        try:
            await body(World(db))
        finally:
            await db.dispose()

    asyncio.run(main())


def _by_name(world: World, ids: set[int]) -> set[str]:
    return {world.names[i] for i in ids}


# --- Visibility -------------------------------------------------------------------------------

VIEWERS = ("author", "follower", "pending", "mentioned", "stranger", "blocked", None)
# Who sees a post of each visibility (the author mentions `mentioned`; `blocked` is blocked
# by the author; `pending` asked to follow and was not accepted).
VISIBILITY_CASES: dict[str, set[str | None]] = {
    "public": {"author", "follower", "pending", "mentioned", "stranger", None},
    "unlisted": {"author", "follower", "pending", "mentioned", "stranger", None},
    "private": {"author", "follower", "mentioned"},
    "direct": {"author", "mentioned"},
}


async def _raw_visible(reader: Reader, post_ids: list[int], viewer: int | None) -> set[int]:
    rows = RowBatch(reader, viewer)
    await rows.load_posts(post_ids)
    return {post.id for post in rows.posts.values() if post.visible}


def test_visibility_forms_agree(database_url: str) -> None:
    async def body(w: World) -> None:
        people = await w.accounts("author", "follower", "pending", "mentioned", "stranger",
                                  "blocked")
        author = people["author"]
        await w.follow(people["follower"], author)
        await w.follow(people["pending"], author, state="pending")
        await w.add(Block(id=new_id(), account_id=author, target_account_id=people["blocked"]))
        posts = {vis: await w.post(author, vis, mentions=(people["mentioned"],))
                 for vis in VISIBILITY_CASES}
        for name in VIEWERS:
            viewer = None if name is None else people[name]
            expected = {vis for vis, seen_by in VISIBILITY_CASES.items() if name in seen_by}
            ids = list(posts.values())
            async with w.db.read() as session:
                orm = set((await session.scalars(select(Post.id).where(
                    Post.id.in_(ids), visible_to(viewer)))).all())
                loaded = (await session.scalars(select(Post).where(Post.id.in_(ids)))).all()
                python = {post.id for post in loaded if await can_view(session, post, viewer)}
            async with w.db.fast() as reader:
                raw = await _raw_visible(reader, ids, viewer)
            for form, found in (("visible_to", orm), ("can_view", python),
                                ("raw VISIBLE_SQL", raw)):
                got = {vis for vis, post_id in posts.items() if post_id in found}
                assert got == expected, f"{form} for {name}: {got} != {expected}"

    scenario(database_url, body)


# --- Exclusion (what a viewer chose not to see) ------------------------------------------------

# Accounts and whether each is hidden from the viewer (posts scope).
EXCLUSION_CASES = {
    "blocked": True,  # the viewer blocks it
    "blocker": True,  # it blocks the viewer
    "muted": True,
    "muted_until_later": True,
    "mute_expired": False,
    "muted_posts_only": True,  # a mute without notifications still hides posts
    "remote_of_blocked_domain": True,
    "remote_elsewhere": False,
    "plain": False,
}


async def _exclusion_world(w: World) -> tuple[int, dict[str, int], dict[int, str | None]]:
    viewer = await w.account("viewer")
    people = {name: await w.account(name, domain="blocked.test"
                                    if name == "remote_of_blocked_domain" else
                                    "other.test" if name == "remote_elsewhere" else None)
              for name in EXCLUSION_CASES}
    now = utcnow()
    await w.add(
        Block(id=new_id(), account_id=viewer, target_account_id=people["blocked"]),
        Block(id=new_id(), account_id=people["blocker"], target_account_id=viewer),
        Mute(id=new_id(), account_id=viewer, target_account_id=people["muted"]),
        Mute(id=new_id(), account_id=viewer, target_account_id=people["muted_until_later"],
             expires_at=now + timedelta(hours=1)),
        Mute(id=new_id(), account_id=viewer, target_account_id=people["mute_expired"],
             expires_at=now - timedelta(hours=1)),
        Mute(id=new_id(), account_id=viewer, target_account_id=people["muted_posts_only"],
             notifications=False),
        DomainBlock(id=new_id(), account_id=viewer, domain="blocked.test"))
    domains = {people["remote_of_blocked_domain"]: "blocked.test",
               people["remote_elsewhere"]: "other.test"}
    return viewer, people, domains


def test_exclusion_forms_agree(database_url: str) -> None:
    async def body(w: World) -> None:
        viewer, people, domains = await _exclusion_world(w)
        expected = {name for name, hidden in EXCLUSION_CASES.items() if hidden}
        ids = list(people.values())
        async with w.db.read() as session:
            by_column = set(await session.scalars(select(Account.id).where(
                Account.id.in_(ids), account_hidden(viewer, Account.id, Account.domain))))
            looked_up = set(await session.scalars(select(Account.id).where(
                Account.id.in_(ids), account_hidden(viewer, Account.id))))
            fanned = set()
            for account_id in ids:
                hiders = (await session.scalars(union_all(*hidden_to(
                    account_id, domains.get(account_id), utcnow())))).all()
                if viewer in hiders:
                    fanned.add(account_id)
        async with w.db.fast() as reader:
            context = await load_exclusions(reader, viewer)
        # The home read's and the streaming gate's (api/streaming/gate.py) form.
        raw = {i for i in ids if context.hides(i, domains.get(i))}
        for form, found in (("account_hidden", by_column), ("account_hidden (lookup)", looked_up),
                            ("fan-out skip set", fanned), ("raw viewer context", raw)):
            assert _by_name(w, found) == expected, form

    scenario(database_url, body)


# In notifications, only mutes that also mute notifications count.
NOTIFICATION_CASES = {**EXCLUSION_CASES, "muted_posts_only": False}


def test_notification_exclusion_forms_agree(database_url: str) -> None:
    """Whose notifications the viewer gets: the ORM list and the raw read path."""
    async def body(w: World) -> None:
        viewer, people, _ = await _exclusion_world(w)
        await w.add(*[Notification(id=new_id(), account_id=viewer, from_account_id=sender,
                                   type="follow") for sender in people.values()])
        expected = {name for name, hidden in NOTIFICATION_CASES.items() if not hidden}
        page = Page(limit=40)
        async with w.db.read() as session:
            orm = {n.from_account_id for n in await list_notifications(
                session, viewer_id=viewer, page=page, filters=NotificationFilter())}
        async with w.db.fast() as reader:
            raw = {n.from_account_id for n in (await notification_rows(
                reader, viewer_id=viewer, filters=NotificationFilter(), page=page)).rows}
        for form, found in (("list_notifications", orm), ("notification_rows", raw)):
            assert _by_name(w, found) == expected, form

    scenario(database_url, body)


def test_feed_forms_agree(database_url: str) -> None:
    """feed_visible (SQL) and feed_shows (Python over rows, the home read) on posts by,
    replying to, mentioning and reposting hidden accounts."""
    async def body(w: World) -> None:
        viewer, people, _ = await _exclusion_world(w)
        friend = await w.account("friend")
        posts: dict[str, int] = {"own": await w.post(viewer),
                                 "friend": await w.post(friend)}
        for name, account_id in people.items():
            posts[f"by {name}"] = await w.post(account_id)
            posts[f"reply to {name}"] = await w.post(friend, reply_to=account_id)
            posts[f"mentions {name}"] = await w.post(friend, mentions=(account_id,))
            posts[f"repost of {name}"] = await w.post(
                friend, repost_of=await w.post(account_id))
        posts["own repost of blocked"] = await w.post(viewer, repost_of=posts["by blocked"])
        shown = {"own", "friend", "own repost of blocked"} | {
            f"{kind} {name}" for kind in ("by", "reply to", "mentions", "repost of")
            for name, hidden in EXCLUSION_CASES.items() if not hidden}
        shown -= {"by blocker"}
        ids = list(posts.values())
        async with w.db.read() as session:
            orm = set((await session.scalars(select(Post.id).where(
                Post.id.in_(ids), feed_visible(viewer)))).all())
        async with w.db.fast() as reader:
            batch = RowBatch(reader, viewer)
            await batch.load_posts(ids)
            kept = await _keep(batch, [batch.posts[i] for i in ids],
                               await load_exclusions(reader, viewer))
        python = {row.id for row in kept}
        for form, found in (("feed_visible", orm), ("feed_shows", python)):
            assert {name for name, i in posts.items() if i in found} == shown, form

    scenario(database_url, body)


# --- Home delivery ------------------------------------------------------------------------------

# Followers of the author: `f` (plain), `no_reposts` (its follow hides reposts), `exclusive`
# (has the author in an exclusive list), `mentioned` (mentioned by the direct post), `fx`
# (also follows x, whom the reply answers). Who gets each post in their home:
DELIVERY_CASES: dict[str, set[str]] = {
    "public": {"f", "no_reposts", "mentioned", "fx"},
    "private": {"f", "no_reposts", "mentioned", "fx"},
    "repost": {"f", "mentioned", "fx"},
    "reply to x": {"fx"},
    "reply to self": {"f", "no_reposts", "mentioned", "fx"},
    "direct": {"mentioned"},
}
FOLLOWERS = ("f", "no_reposts", "exclusive", "mentioned", "fx")


async def _delivery_world(w: World) -> tuple[dict[str, int], dict[str, int]]:
    people = await w.accounts("author", "x", "other", *FOLLOWERS)
    author = people["author"]
    for name in FOLLOWERS:
        await w.follow(people[name], author, show_reposts=name != "no_reposts")
    await w.follow(people["fx"], people["x"])
    list_id = new_id()
    await w.add(List(id=list_id, account_id=people["exclusive"], title="l", exclusive=True),
                ListMember(id=new_id(), list_id=list_id, account_id=author))
    original = await w.post(people["other"])
    posts = {
        "public": await w.post(author),
        "private": await w.post(author, "private"),
        "repost": await w.post(author, repost_of=original),
        "reply to x": await w.post(author, reply_to=people["x"]),
        "reply to self": await w.post(author, reply_to=author),
        "direct": await w.post(author, "direct", mentions=(people["mentioned"],)),
    }
    return people, posts


async def _fanned_out(w: World, post_id: int) -> set[int]:
    async with w.db.read() as session:
        post = await session.get(Post, post_id)
        assert post is not None
        fan = Fanout(FanPost(post.id, post.account_id, post.domain, post.visibility,
                             post.in_reply_to_account_id, post.repost_of_id))
        rows = (mentioned_follower_rows(fan, exclusive=False) if post.visibility == "direct"
                else follower_rows(fan, None, None))
        return {row[0] for row in (await session.execute(rows)).all()}



class _Undone(Exception):
    """Rolls back a write whose rows were only to be looked at."""


async def _batch_fanned_out(w: World, post_id: int) -> set[int]:
    """The homes the fan-out job's own statement (built once per shape, its values as
    parameters) writes the post into, rolled back after."""
    reached: set[int] = set()
    try:
        async with w.db.write() as session:
            post = await session.get(Post, post_id)
            assert post is not None
            fan = Fanout(FanPost(post.id, post.account_id, post.domain, post.visibility,
                                 post.in_reply_to_account_id, post.repost_of_id))
            await (await session.connection()).execute(*follower_batch(session, fan, None, None))
            reached = set((await session.scalars(select(TimelineEntry.owner_id).where(
                TimelineEntry.post_id == post_id))).all())
            raise _Undone
    except _Undone:
        pass
    return reached


async def _fallback_reaches(reader: Reader, viewer: int, post_id: int) -> bool:
    rows = await reader.fetch(_FALLBACK, {"viewer": viewer, "upper": post_id + 1,
                                          "lower": post_id - 1, "limit": 10})
    return any(row[0] == post_id for row in rows)


def test_delivery_forms_agree(database_url: str) -> None:
    async def body(w: World) -> None:
        people, posts = await _delivery_world(w)
        followers = [people[name] for name in FOLLOWERS]
        for case, post_id in posts.items():
            expected = DELIVERY_CASES[case]
            forms: dict[str, set[int]] = {"fan-out": await _fanned_out(w, post_id)}
            if case != "direct":  # a direct post goes to the mentioned (mentioned rows)
                forms["fan-out job's statement"] = await _batch_fanned_out(w, post_id)
            async with w.db.fresh() as reader:
                forms["home read (cap fallback)"] = {
                    viewer for viewer in followers
                    if await _fallback_reaches(reader, viewer, post_id)}
                if case != "direct":  # the hub only hears of broadcast posts that are not
                    forms["streaming hub"] = set(await broadcast_receivers(reader, BroadcastPost(
                        people["author"], repost=case == "repost",
                        reply_to_account_id=people["x"] if case == "reply to x"
                        else people["author"] if case == "reply to self" else None,
                        post_id=post_id), followers))
            for form, found in forms.items():
                assert _by_name(w, found) == expected, f"{form} for {case}"

    scenario(database_url, body)


# --- Shown already ------------------------------------------------------------------------------

# What a timeline holds before a new repost of the original arrives, and whether it shows the
# original already (then the repost is not delivered).
SHOWN_CASES = {
    "nothing": ((), True),
    "the original": (("original",), False),
    "another repost of it": (("repost",), False),
    "an unrelated post": (("unrelated",), True),
    "a repost of another post": (("other repost",), True),
}


def test_shown_forms_agree(database_url: str) -> None:
    async def body(w: World) -> None:
        author = await w.account("author")
        original = await w.post(author)
        unrelated = await w.post(author)
        made = {"original": original, "unrelated": unrelated,
                "repost": await w.post(author, repost_of=original),
                "other repost": await w.post(author, repost_of=unrelated)}
        new_repost = await w.post(await w.account("reposter"), repost_of=original)
        reposts_of = {made["repost"]: original, made["other repost"]: unrelated}
        for case, (held, delivered) in SHOWN_CASES.items():
            owner = await w.account("owner")
            await w.add(*[TimelineEntry(owner_id=owner, post_id=made[name], author_id=author)
                          for name in held])
            async with w.db.read() as session:
                in_sql = bool(await session.scalar(select(shows_post_or_repost(
                    TimelineEntry, "owner_id", owner, original))))
            held_ids = {made[name] for name in held}
            in_python = shows({i for i in held_ids if i not in reposts_of},
                              {reposts_of[i] for i in held_ids if i in reposts_of}, original)
            page = [_Row(i, reposts_of.get(i)) for i in sorted(held_ids)]
            paged = {row.id for row in without_repeated_originals(
                [*page, _Row(new_repost, original)], kept=held_ids)}
            assert in_sql is in_python is (not delivered), case
            assert (new_repost in paged) is delivered, case

    scenario(database_url, body)


@dataclass(frozen=True)
class _Row:
    id: int
    repost_of_id: int | None
