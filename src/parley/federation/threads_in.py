"""Fetching a remote thread again (the refresh job): the posts of a conversation that were
never delivered here (replies from servers nobody here follows, a missing middle post) are
read from the thread's FEP-7888 `context` collection when its first post names one, else
from the `replies` collections of its posts, breadth-first; each unknown post is stored
through notes_in.store_note (its missing ancestors with it). Bounded: levels, documents
fetched, posts stored and time."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from parley.config import Settings
from parley.federation import parse
from parley.federation.actors_in import instance_signer
from parley.federation.client import domain_of
from parley.federation.fetch import InstanceSigner, fetch_object
from parley.federation.notes_in import store_note
from parley.federation.parse_values import iri
from parley.federation.thread_refreshes import count_found, finish
from parley.federation.vocab import as_list
from parley.jobs.registry import Detached, DetachedContext, JobKind
from parley.lib.fetch import FetchRefused
from parley.moderation.blocks import suspended_domains
from parley.posts.models import Post
from parley.store.database import Database

log = logging.getLogger("parley.federation")

MAX_DEPTH = 8  # levels of replies below the first post walked
MAX_FETCHES = 200  # documents fetched per refresh
MAX_STORED = 100  # posts stored per refresh
MAX_PAGES = 10  # pages read of one collection
MAX_SECONDS = 60.0
COLLECTION_TYPES = frozenset({"Collection", "OrderedCollection", "CollectionPage",
                              "OrderedCollectionPage"})


@dataclass(frozen=True)
class RefreshJob:
    thread_id: int
    post_id: int
    refresh_id: str


@dataclass
class Crawl:
    """One refresh's budget and what it has seen."""

    db: Database
    settings: Settings
    signer: InstanceSigner
    refresh_id: str
    deadline: float
    fetches: int = 0
    stored: int = 0
    seen: set[str] = field(default_factory=set)
    refused: dict[str, bool] = field(default_factory=dict)  # by server: suspended here

    def going(self) -> bool:
        return (self.fetches < MAX_FETCHES and self.stored < MAX_STORED
                and asyncio.get_running_loop().time() < self.deadline)

    def local(self, uri: str) -> bool:
        return uri.startswith(self.settings.base_url + "/")

    async def fetch(self, url: str) -> dict[str, Any] | None:
        """The document at `url`, or None (out of budget, on a server the instance
        suspends, or it cannot be had)."""
        if not self.going() or self.local(url) or await self._suspended(domain_of(url)):
            return None
        self.fetches += 1
        try:
            return await fetch_object(self.settings, self.signer, url)
        except FetchRefused as failed:
            log.info("thread refresh: could not fetch %s: %s", url, failed)
            return None

    async def _suspended(self, domain: str) -> bool:
        if domain not in self.refused:
            async with self.db.read() as session:
                self.refused[domain] = bool(await suspended_domains(session, [domain]))
        return self.refused[domain]


async def _known(db: Database, uri: str) -> bool:
    async with db.read() as session:
        return await session.scalar(select(Post.id).where(Post.uri == uri)) is not None


async def listed_ids(crawl: Crawl, collection: Any) -> AsyncIterator[str]:
    """The ids a collection lists (embedded or by URL), page after page."""
    document = (await crawl.fetch(collection) if isinstance(collection, str)
                else collection if isinstance(collection, dict) else None)
    for _ in range(MAX_PAGES):
        if document is None or document.get("type") not in COLLECTION_TYPES:
            return
        for item in [*as_list(document.get("orderedItems")), *as_list(document.get("items"))]:
            if (uri := iri(item, required=False)) is not None:
                yield uri
        following = document.get("first") or document.get("next")
        if isinstance(following, dict):
            document = following
        else:
            url = iri(following, required=False)
            document = await crawl.fetch(url) if url else None


async def _visit(crawl: Crawl, uri: str, *, walking: bool) -> dict[str, Any] | None:
    """A listed post: stored when unknown (and a reply: a collection of a thread lists
    nothing else worth keeping); its document when it was fetched."""
    if uri in crawl.seen or crawl.local(uri):
        return None
    crawl.seen.add(uri)
    known = await _known(crawl.db, uri)
    if known and not walking:
        return None
    document = await crawl.fetch(uri)
    if document is None or document.get("type") not in parse.NOTE_TYPES:
        return None
    if not known and document.get("inReplyTo"):
        try:
            if await store_note(crawl.db, crawl.settings, document) is not None:
                crawl.stored += 1
                await count_found(crawl.db, crawl.refresh_id)
        except (parse.Unreadable, FetchRefused) as failed:
            log.info("thread refresh: could not keep %s: %s", uri, failed)
            return None
    return document


async def _by_context(crawl: Crawl, first: dict[str, Any]) -> bool:
    """Read the thread's context collection, if its first post names one that answers."""
    context = iri(first.get("context"), required=False)
    if context is None or crawl.local(context):
        return False
    collection = await crawl.fetch(context)
    if collection is None or collection.get("type") not in COLLECTION_TYPES:
        return False
    async for uri in listed_ids(crawl, collection):
        if not crawl.going():
            break
        await _visit(crawl, uri, walking=False)
    return True


async def _by_replies(crawl: Crawl, first: dict[str, Any]) -> None:
    """Walk the replies collections breadth-first from the first post."""
    queue: deque[tuple[dict[str, Any], int]] = deque([(first, 0)])
    while queue and crawl.going():
        document, depth = queue.popleft()
        if depth >= MAX_DEPTH or document.get("replies") is None:
            continue
        async for uri in listed_ids(crawl, document["replies"]):
            if not crawl.going():
                break
            child = await _visit(crawl, uri, walking=True)
            if child is not None:
                queue.append((child, depth + 1))


async def _first_uri(db: Database, job: RefreshJob) -> str | None:
    """Where the walk starts: the thread's root when it is remote, else the post viewed."""
    async with db.read() as session:
        rows = (await session.execute(select(Post.id, Post.uri, Post.domain).where(
            Post.id.in_([job.thread_id, job.post_id])))).all()
    by_id = {row.id: row for row in rows}
    for post_id in (job.thread_id, job.post_id):
        row = by_id.get(post_id)
        if row is not None and row.domain is not None:
            uri: str = row.uri
            return uri
    return None


async def _refresh(ctx: DetachedContext, job: RefreshJob) -> None:
    try:
        first_uri = await _first_uri(ctx.db, job)
        if first_uri is None:
            return
        crawl = Crawl(ctx.db, ctx.settings, await instance_signer(ctx.db, ctx.settings),
                      job.refresh_id, asyncio.get_running_loop().time() + MAX_SECONDS,
                      seen={first_uri})
        first = await crawl.fetch(first_uri)
        if first is not None and not await _by_context(crawl, first):
            await _by_replies(crawl, first)
        log.info("thread refresh %s: %d posts found, %d documents fetched",
                 job.thread_id, crawl.stored, crawl.fetches)
    finally:
        await finish(ctx.db, job.refresh_id)


REFRESH_THREAD = JobKind("federation.refresh_thread", RefreshJob, Detached(_refresh))
JOBS = (REFRESH_THREAD,)
