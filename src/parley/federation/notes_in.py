"""Received posts: a Create of a Note becomes a post through the same store-a-post path as a
local one, after what it needs is fetched outside any transaction: its author, the people it
mentions, and (a bounded number of levels) the posts it answers that we have never seen, so
that a reply whose thread was missing arrives with its thread. A Delete removes the author's
own post; an Update of the actor refreshes its profile. A vote in a poll is handed to
polls_in, never kept as a post."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.config import Settings
from parley.federation import parse, quotes_seen
from parley.federation.actors_in import instance_signer, resolve_actor, store_actor
from parley.federation.client import domain_of
from parley.federation.fetch import fetch_object
from parley.federation.inbound import Inbound
from parley.federation.media_in import (
    any_sensitive,
    custom_emojis,
    fetches_media,
    remote_media,
)
from parley.federation.polls_in import remote_poll, take_vote
from parley.lib.fetch import FetchRefused
from parley.posts import quotes
from parley.posts.compose import Answered, delete_post
from parley.posts.models import Post
from parley.posts.remote import RemotePost, known_posts, post_by_uri, store_remote_post
from parley.social.models import Follow
from parley.store.database import Database
from parley.store.rawsql import Reader, Sql
from parley.store.rawwrite import SessionSql
from parley.timelines.jobs import fan_out_here

log = logging.getLogger("parley.federation")

MAX_ANCESTORS = 16  # levels of a thread fetched above a reply
MAX_RESOLVED_MENTIONS = 20  # remote people a post mentions that are looked up
MAX_QUOTE_DEPTH = 2  # levels of quoted posts fetched (Mastodon's bound)


async def create(inbound: Inbound) -> None:
    """A Create of a note: kept as a post, or, a vote, counted in its poll."""
    document = inbound.activity.object
    if isinstance(document, list):  # a ballot's choices in one Create, a Note each
        await _votes(inbound, document)
        return
    if isinstance(document, str):
        document = await fetch_object(inbound.settings,
                                      await instance_signer(inbound.db, inbound.settings),
                                      document)
    if not isinstance(document, dict) or document.get("type") not in parse.NOTE_TYPES:
        return
    parsed = parse.note(document)
    if parsed.is_vote:
        await take_vote(inbound, parsed)
        return
    await store_parsed(inbound.db, inbound.settings, parsed, author=inbound.actor,
                       delivered=True)


async def _votes(inbound: Inbound, objects: list[Any]) -> None:
    """The votes among several embedded objects (nothing else is taken this way)."""
    for item in objects[:parse.MAX_POLL_OPTIONS]:
        if isinstance(item, dict) and item.get("type") == "Note":
            parsed = parse.note(item)
            if parsed.is_vote:
                await take_vote(inbound, parsed)


async def _known(db: Database, uri: str) -> Post | None:
    async with db.read() as session:
        return await post_by_uri(session, uri)


async def store_note(db: Database, settings: Settings, document: dict[str, Any], *,
                     author: Account | None = None, delivered: bool = False,
                     depth: int = 0) -> Post | None:
    """Keep a Note as a post (once), its unknown ancestors first; None when it is not for
    us (a delivery nobody here follows, mentions or is in the thread of)."""
    return await store_parsed(db, settings, parse.note(document), author=author,
                              delivered=delivered, depth=depth)


async def store_parsed(db: Database, settings: Settings, parsed: parse.ParsedNote, *,
                       author: Account | None = None, delivered: bool = False,
                       depth: int = 0) -> Post | None:
    """store_note of a note read already; a poll vote is never kept as a post (None)."""
    if parsed.is_vote:
        return None
    if author is None:
        author = await resolve_actor(db, settings, parsed.attributed_to)
    if parsed.attributed_to != author.uri or domain_of(parsed.uri) != domain_of(author.uri):
        raise parse.Unreadable("a note must be its author's, on its author's server")
    # What is here already, read together (raw reads where no object is needed): the note
    # itself, the post it answers, the local people it names and its author's followers
    # collection (for its visibility).
    async with db.lookup() as session:
        raw = SessionSql(session)
        known = await known_posts(raw, [parsed.uri, *filter(None, [parsed.in_reply_to])])
        if parsed.uri in known:
            return await session.get(Post, known[parsed.uri].id)
        mentioned = await _local_mentioned(session, settings, parsed)
        followers = await _followers_collection(raw, author.id)
    parent: Answered | None = known.get(parsed.in_reply_to or "")
    if parent is None:
        parent = await _fetched_parent(db, settings, parsed.in_reply_to, depth)
    quoted = await _quoted(db, settings, parsed.quote, depth)
    state = (await quotes_seen.first_state(db, settings, parsed, author, quoted)
             if quoted is not None else quotes.ACCEPTED)
    mentioned += await _remote_mentioned(db, settings, parsed)
    async with db.write() as session:
        fan_out_here(session, settings)  # few local followers: their homes in this transaction
        # As read just now (load=False: no second read of each): what the post refers to.
        author = await session.merge(author, load=False)
        ours = quoted is not None and quoted.domain is None
        if (delivered and parent is None and not ours
                and not await _for_us(session, author, mentioned)):
            return None
        media = remote_media(parsed)
        fetch = (bool(media) or bool(parsed.emojis)) and await fetches_media(
            session, author.domain)
        await custom_emojis(session, author.domain, parsed.emojis, fetch=fetch)
        post = await store_remote_post(session, author=author, remote=RemotePost(
            uri=parsed.uri, url=parsed.url, content=parsed.content,
            visibility=parse.visibility(parsed.to, parsed.cc, followers),
            spoiler_text=parsed.summary, sensitive=any_sensitive(parsed),
            language=parsed.language, created_at=parsed.published,
            in_reply_to=parent,
            mentioned=[await session.merge(account, load=False) for account in mentioned],
            tags=parsed.hashtags, media=media,
            fetch_media=fetch, poll=remote_poll(parsed.poll),
            quoted=await session.get(Post, quoted.id) if quoted else None,
            quote_state=state, quote_policy=parsed.quote_policy or "public"))
        if state == quotes.ACCEPTED and quoted is not None and quoted.domain is not None:
            # The stamp it was accepted by: its Delete revokes the quote.
            await quotes_seen.remember(session, post.id,
                                       authorization=parsed.quote_authorization)
        return post


_FOLLOWERS = Sql("SELECT followers_url FROM remote_actors WHERE account_id = :account")


async def _followers_collection(reader: Reader, account_id: int) -> str | None:
    rows = await reader.fetch(_FOLLOWERS, {"account": account_id})
    return str(rows[0][0]) if rows and rows[0][0] else None


async def _for_us(session: Any, author: Account, mentioned: list[Account]) -> bool:
    """Whether a delivered post concerns someone here: it mentions a local account, or a
    local account follows its author."""
    if any(account.domain is None for account in mentioned):
        return True
    follower = await session.scalar(
        select(Follow.id).join(Account, Account.id == Follow.account_id)
        .where(Follow.target_account_id == author.id, Follow.state == "accepted",
               Account.domain.is_(None)).limit(1))
    return follower is not None


async def _fetched_parent(db: Database, settings: Settings, uri: str | None, depth: int
                          ) -> Post | None:
    """The post a note answers when we do not have it: fetched (with its own ancestors)
    while the thread is not too deep; None when it cannot be had (then the reply starts its
    own thread)."""
    if uri is None or depth >= MAX_ANCESTORS or uri.startswith(settings.base_url + "/"):
        return None
    try:
        document = await fetch_object(settings, await instance_signer(db, settings), uri)
        return await store_note(db, settings, document, depth=depth + 1)
    except (FetchRefused, parse.Unreadable) as failed:
        log.info("could not fetch %s: %s", uri, failed)
        return None


async def _quoted(db: Database, settings: Settings, uri: str | None, depth: int
                  ) -> Post | None:
    """The post a note quotes: known, or fetched (with what it needs) while the chain of
    quotes is short (a quote of a quote...); None when it cannot be had or is a repost."""
    if uri is None:
        return None
    known = await _known(db, uri)
    if known is None and depth < MAX_QUOTE_DEPTH and not uri.startswith(settings.base_url + "/"):
        try:
            document = await fetch_object(settings, await instance_signer(db, settings), uri)
            known = await store_note(db, settings, document, depth=depth + 1)
        except (FetchRefused, parse.Unreadable) as failed:
            log.info("could not fetch %s: %s", uri, failed)
    return known if known is not None and known.repost_of_id is None else None


def _named(settings: Settings, parsed: parse.ParsedNote) -> tuple[list[str], list[str]]:
    """The actors a note mentions, and the local ones it is addressed to without a mention
    (who may then see it): (local ones, a few remote ones)."""
    wanted = [m.href for m in parsed.mentions]
    wanted += [uri for uri in (*parsed.to, *parsed.cc) if uri.startswith(settings.base_url)]
    wanted = list(dict.fromkeys(wanted))
    local = [uri for uri in wanted if uri.startswith(settings.base_url + "/")]
    return local, [uri for uri in wanted if uri not in local][:MAX_RESOLVED_MENTIONS]


async def _local_mentioned(session: AsyncSession, settings: Settings,
                           parsed: parse.ParsedNote) -> list[Account]:
    local = _named(settings, parsed)[0]
    if not local:
        return []
    return list(await session.scalars(select(Account).where(  # one query for them all
        Account.uri.in_(local), Account.domain.is_(None))))


async def _remote_mentioned(db: Database, settings: Settings, parsed: parse.ParsedNote
                            ) -> list[Account]:
    found: list[Account] = []
    for uri in _named(settings, parsed)[1]:
        try:
            found.append(await resolve_actor(db, settings, uri))
        except (FetchRefused, parse.Unreadable):
            continue
    return found


async def mentioned_accounts(db: Database, settings: Settings, parsed: parse.ParsedNote
                             ) -> list[Account]:
    """The accounts a note mentions, and the local ones it is addressed to without a
    mention (who may then see it): local ones as they are, remote ones looked up (a few)."""
    async with db.lookup() as session:
        local = await _local_mentioned(session, settings, parsed)
    return local + await _remote_mentioned(db, settings, parsed)


async def delete(inbound: Inbound) -> None:
    """A Delete of one of the actor's posts (as a Tombstone, an object or a bare id)."""
    target = inbound.activity.object_id
    if target is None or target == inbound.actor.uri:
        return  # the deletion of the actor itself: not handled yet
    async with inbound.db.write() as session:
        post = await post_by_uri(session, target)
        if post is None or post.account_id != inbound.actor.id:
            return
        await delete_post(session, actor_id=inbound.actor.id, post_id=post.id)


async def update(inbound: Inbound) -> None:
    """An Update of the actor itself: its profile as the embedded document says."""
    document = inbound.activity.object
    if not isinstance(document, dict) or document.get("type") not in parse.ACTOR_TYPES:
        return
    parsed = parse.actor(document)
    if parsed.uri != inbound.actor.uri:
        return
    async with inbound.db.write() as session:
        await store_actor(session, parsed)
