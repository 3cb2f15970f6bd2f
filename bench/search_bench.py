"""Full-text search benchmark: 100,000 posts in a fresh database, then search latency.

    .venv/bin/python -m bench.search_bench [--posts 100000] [--queries 300]

Loads posts straight through SQLAlchemy Core (bulk executemany, not the API) into a fresh
SQLite database, and also into a fresh PostgreSQL database on the server named by
PARLEY_BENCH_DATABASE_URL when it is set; the search index is kept by the same triggers /
expression index as in production. Then it times parley.search.service.search_posts, the
function /api/v2/search calls, over a few hundred queries by random viewers, and prints the
p50/p90/p99 latency per kind of query, with the share of running the already built
statement. Figures, not assertions: nothing here fails on time.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import secrets
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import Table, insert, text

from parley.accounts.models import Account
from parley.lib.ids import id_at
from parley.lib.paging import Page
from parley.posts.models import Mention, Post
from parley.search.service import posts_query, search_posts
from parley.social.models import Follow
from parley.store.database import Database
from parley.store.dialect import dialect_of, engine_url
from parley.store.migrate import migrate

BASE = "https://bench.parley.example"
BATCH = 5_000
VOCABULARY = 20_000
_SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "do", "fi", "gu",
              "he", "ja", "ko", "lu", "ma", "no", "pe", "qui", "ra", "si", "to", "ul", "ve"]
COMMON = ["the", "a", "and", "to", "of", "in", "is", "it", "you", "that", "for", "on",
          "with", "this", "was", "just", "so", "but", "coffee", "today", "love", "people"]


def _table(model: Any) -> Table:
    """The Core table of a mapped class: rows go in through Core, not the ORM."""
    return cast(Table, model.__table__)


def _vocabulary(rng: random.Random) -> list[str]:
    words = set(COMMON)
    while len(words) < VOCABULARY:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))))
    rest = sorted(words - set(COMMON))
    rng.shuffle(rest)  # made-up words take random frequency ranks
    return COMMON + rest


@dataclass
class Corpus:
    """What was loaded: enough to ask sensible questions of it."""

    words: list[str]
    cumulative: list[float]  # Zipf-like word frequencies, summed once for random.choices
    accounts: list[int] = field(default_factory=list)

    def text(self, rng: random.Random) -> str:
        return " ".join(rng.choices(self.words, cum_weights=self.cumulative,
                                    k=rng.randint(6, 40)))


def _accounts(count: int, now: datetime) -> list[dict[str, Any]]:
    rows = []
    for index in range(count):
        name = f"bench{index}"
        rows.append({"id": id_at(now - timedelta(days=400, seconds=index)), "username": name,
                     "acct_key": name, "uri": f"{BASE}/users/{name}", "url": f"{BASE}/@{name}",
                     "indexable": index % 10 != 0, "created_at": now - timedelta(days=400)})
    return rows


def _posts(corpus: Corpus, count: int, now: datetime, rng: random.Random
           ) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """Batches of (posts, mentions) over the last 30 days, oldest first."""
    span = 30 * 86_400
    for start in range(0, count, BATCH):
        posts, mentions = [], []
        for offset in range(start, min(start + BATCH, count)):
            moment = now - timedelta(seconds=span * (1 - offset / count))
            post_id = id_at(moment)
            author = rng.choice(corpus.accounts)
            roll = rng.random()
            visibility = ("public" if roll < 0.8 else "unlisted" if roll < 0.9
                          else "private" if roll < 0.97 else "direct")
            text = corpus.text(rng)
            posts.append({"id": post_id, "account_id": author, "uri": f"{BASE}/p/{post_id}",
                          "url": f"{BASE}/p/{post_id}", "text": text, "content": f"<p>{text}</p>",
                          "visibility": visibility, "thread_id": post_id, "created_at": moment})
            if visibility == "direct":
                mentions.append({"post_id": post_id, "account_id": rng.choice(corpus.accounts)})
        yield posts, mentions


async def load(url: str, *, posts: int, accounts: int, seed: int) -> tuple[Corpus, float]:
    """Fill a freshly migrated database; returns the corpus and the seconds it took."""
    rng = random.Random(seed)
    words = _vocabulary(rng)
    corpus = Corpus(words=words, cumulative=list(itertools.accumulate(
        1 / (rank + 1) ** 1.07 for rank in range(len(words)))))
    now = datetime.now(UTC)
    db = Database(url)
    started = time.perf_counter()
    try:
        account_rows = _accounts(accounts, now)
        corpus.accounts = [row["id"] for row in account_rows]
        async with db.write() as session:
            await session.execute(insert(_table(Account)), account_rows)
            follows = [{"id": id_at(now - timedelta(days=300, seconds=i)), "account_id": a,
                        "target_account_id": b, "state": "accepted"}
                       for i, (a, b) in enumerate({(rng.choice(corpus.accounts),
                                                    rng.choice(corpus.accounts))
                                                   for _ in range(accounts * 20)}) if a != b]
            await session.execute(insert(_table(Follow)), follows)
        for post_rows, mention_rows in _posts(corpus, posts, now, rng):
            async with db.write() as session:
                await session.execute(insert(_table(Post)), post_rows)
                if mention_rows:
                    await session.execute(insert(_table(Mention)), mention_rows)
        async with db.write() as session:
            # Statistics, as PostgreSQL's autovacuum gathers after a bulk load on its own.
            await session.execute(text("ANALYZE"))
    finally:
        await db.dispose()
    return corpus, time.perf_counter() - started


def _queries(corpus: Corpus, count: int, rng: random.Random) -> list[tuple[str, str]]:
    """(kind, query): frequent words, middling ones, rare ones, two words, a phrase."""
    kinds: list[tuple[str, Any]] = [
        ("frequent word", lambda: rng.choice(corpus.words[:200])),
        ("middling word", lambda: rng.choice(corpus.words[200:3000])),
        ("rare word", lambda: rng.choice(corpus.words[3000:])),
        ("two words", lambda: f"{rng.choice(corpus.words[:300])} "
                              f"{rng.choice(corpus.words[300:3000])}"),
        ("phrase", lambda: f'"{rng.choice(corpus.words[:50])} '
                           f'{rng.choice(corpus.words[:50])}"'),
    ]
    return [(name, make()) for name, make in (kinds[i % len(kinds)] for i in range(count))]


Timings = dict[str, list[tuple[float, float, int]]]


async def measure(url: str, corpus: Corpus, *, queries: int, seed: int) -> Timings:
    """By kind of query, after a short warm-up: seconds of the whole search_posts call,
    seconds of running its already built statement (the database's share, with the
    driver and ORM loading), and the number of results."""
    rng = random.Random(seed + 1)
    db = Database(url)
    timings: Timings = {}
    try:
        asked = _queries(corpus, queries + 20, rng)
        for index, (kind, query) in enumerate(asked):
            viewer = rng.choice(corpus.accounts)
            async with db.read() as session:
                started = time.perf_counter()
                found = await search_posts(session, query, viewer, limit=20)
                elapsed = time.perf_counter() - started
                stmt = posts_query(dialect_of(session), query, viewer,
                                   page=Page(limit=20))
                started = time.perf_counter()
                if stmt is not None:  # (in search_posts' transaction: the same settings)
                    (await session.scalars(stmt)).all()
                executed = time.perf_counter() - started
            if index >= 20:
                timings.setdefault(kind, []).append((elapsed, executed, len(found)))
    finally:
        await db.dispose()
    return timings


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(backend: str, posts: int, seconds: float, timings: Timings) -> None:
    print(f"\n{backend}: {posts:,} posts loaded in {seconds:.1f}s "
          f"({posts / seconds:,.0f} posts/s, index maintained by the database)")
    print(f"  {'query kind':<15} {'n':>4} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} "
          f"{'max ms':>8} {'run p50':>8} {'run p99':>8} {'hits':>6}")
    every = [t for rows in timings.values() for t in rows]
    for kind, rows in [*timings.items(), ("all", every)]:
        ms = [whole * 1000 for whole, _run, _hits in rows]
        run = [part * 1000 for _whole, part, _hits in rows]
        hits = statistics.mean(hits for _whole, _run, hits in rows)
        print(f"  {kind:<15} {len(ms):>4} {_percentile(ms, 0.5):>8.2f} "
              f"{_percentile(ms, 0.9):>8.2f} {_percentile(ms, 0.99):>8.2f} {max(ms):>8.2f} "
              f"{_percentile(run, 0.5):>8.2f} {_percentile(run, 0.99):>8.2f} {hits:>6.1f}")


async def _admin(url: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def fresh_postgres(server_url: str) -> Iterator[str]:
    """A new database on the server (dropped afterwards)."""
    plain = server_url.replace("postgresql+asyncpg://", "postgresql://")
    name = f"parley_search_bench_{secrets.token_hex(4)}"
    asyncio.run(_admin(plain, f'CREATE DATABASE "{name}"'))
    try:
        yield engine_url(urlunsplit(urlsplit(plain)._replace(path=f"/{name}")))
    finally:
        asyncio.run(_admin(plain, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def run(url: str, backend: str, args: argparse.Namespace) -> None:
    migrate(url)
    corpus, seconds = asyncio.run(load(url, posts=args.posts, accounts=args.accounts,
                                       seed=args.seed))
    timings = asyncio.run(measure(url, corpus, queries=args.queries, seed=args.seed))
    report(backend, args.posts, seconds, timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=2_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="parley-search-bench-") as tmp:
        run(f"sqlite+aiosqlite:///{Path(tmp) / 'search.sqlite3'}", "SQLite (FTS5)", args)
    server = os.environ.get("PARLEY_BENCH_DATABASE_URL", "")
    if server.startswith(("postgresql", "postgres")):
        with fresh_postgres(server) as url:
            run(url, "PostgreSQL (full text, GIN)", args)


if __name__ == "__main__":
    main()
