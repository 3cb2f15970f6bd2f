"""How far a post's fan-out has got, read from the benchmark database: entries counted per
follower, a sample's estimate while jobs run, the job queue's pending work, and for a
broadcast account a sample of followers' home pages. Used by the storm and compose scenarios."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

_DELIVERED = ("SELECT count(*) FROM follows f JOIN timeline_entries t ON t.owner_id = f.account_id "
              "AND t.post_id = {post} WHERE f.target_account_id = {author} "
              "AND f.state = 'accepted'")
_FANOUT_PENDING = ("SELECT count(*) FROM jobs WHERE kind = 'fanout_post' "
                   "AND state IN ('queued', 'running')")
_FOLLOWERS = ("SELECT account_id FROM follows WHERE target_account_id = {author} "
              "AND state = 'accepted' ORDER BY account_id")
# Followers whose homes the delivery curve samples while a fan-out runs.
SAMPLE_SIZE = 1000
_BROADCAST = "SELECT count(*) FROM broadcast_accounts WHERE account_id = {author}"
_SAMPLE = ("SELECT account_id FROM follows WHERE target_account_id = {author} "
           "AND state = 'accepted' AND account_id IN ({active}) ORDER BY account_id LIMIT {n}")


class DeliveryCounter:
    """Counts a post's home timeline entries straight from the database: the author's followers
    who have it (timeline_entries has no post_id index; its primary key is probed per
    follower), plus the author's own entry."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self._sqlite: sqlite3.Connection | None = None
        self._pg: Any = None
        self._samples: dict[int, list[int]] = {}

    async def scalar(self, sql: str) -> Any:
        if self.db_url.startswith("sqlite"):
            if self._sqlite is None:
                self._sqlite = sqlite3.connect(self.db_url.split("///", 1)[1],
                                               check_same_thread=False)
            conn = self._sqlite
            return await asyncio.to_thread(lambda: conn.execute(sql).fetchone()[0])
        if self._pg is None:
            import asyncpg

            self._pg = await asyncpg.connect(self.db_url)
        return await self._pg.fetchval(sql)

    async def count(self, post_id: int, author_id: int) -> int:
        followers = int(await self.scalar(_DELIVERED.format(post=int(post_id),
                                                            author=int(author_id))))
        own = int(await self.scalar(f"SELECT count(*) FROM timeline_entries WHERE owner_id = "
                                    f"{int(author_id)} AND post_id = {int(post_id)}"))
        return followers + own

    async def estimate(self, post_id: int, author_id: int, expected: int) -> int:
        """How many of the author's followers have the post, estimated from a fixed sample
        of at most SAMPLE_SIZE of them (the curve's points while the fan-out runs: an exact
        count probes one primary key per follower, CPU the fan-out itself needs)."""
        sample = self._samples.get(author_id)
        if sample is None:
            ids = [int(row) for row in await self.column(_FOLLOWERS.format(author=author_id))]
            sample = self._samples[author_id] = ids[::max(1, len(ids) // SAMPLE_SIZE)]
        if not sample:
            return 0
        hits = int(await self.scalar(
            f"SELECT count(*) FROM timeline_entries WHERE post_id = {int(post_id)} "
            f"AND owner_id IN ({','.join(map(str, sample))})"))
        return round(hits * (expected - 1) / len(sample))

    async def column(self, sql: str) -> list[Any]:
        if self.db_url.startswith("sqlite"):
            await self.scalar("SELECT 1")
            assert self._sqlite is not None
            conn = self._sqlite
            rows = await asyncio.to_thread(lambda: conn.execute(sql).fetchall())
            return [row[0] for row in rows]
        await self.scalar("SELECT 1")
        return [row[0] for row in await self._pg.fetch(sql)]

    async def fanout_pending(self) -> bool:
        """Whether any fan-out job is queued or running (the jobs table holds only pending
        work: a cheap read, unlike counting a big audience's entries)."""
        return bool(await self.scalar(_FANOUT_PENDING))

    async def is_broadcast(self, author_id: int) -> bool:
        """Hybrid fan-out applies to the author (as the server decides it: the table, unless
        PARLEY_BROADCAST_THRESHOLD is 0)."""
        from parley.config import Settings

        if Settings().broadcast_threshold <= 0:
            return False
        return bool(await self.scalar(_BROADCAST.format(author=int(author_id))))

    async def followers_among(self, author_id: int, active: list[int], n: int) -> list[int]:
        """Up to n of these (token-holding) accounts that follow the author."""
        sql = _SAMPLE.format(author=int(author_id), active=",".join(map(str, active)), n=n)
        return [int(row) for row in await self.column(sql)]

    async def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
        if self._pg is not None:
            await self._pg.close()


class HomeProbe:
    """For a broadcast account's post (no per-follower rows to count): a sample of followers
    read their home page through the API until the post shows; `count` is how many see it."""

    def __init__(self, port: int, followers: list[int]) -> None:
        self.port = port
        self.followers = followers
        self.seen: set[int] = set()

    async def count(self, post_id: int) -> int:
        import httpx

        from bench.rows import token_for

        # One read at a time: ten at once were a burst that queued the storm's measured
        # reads behind them (its p99 measured the probe, not the celebrity's post).
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.port}",
                                     timeout=10) as client:
            for follower in [f for f in self.followers if f not in self.seen]:
                page = await client.get("/api/v1/timelines/home?limit=5",
                                        headers={"Authorization": f"Bearer {token_for(follower)}"})
                if page.status_code == 200 and any(s.get("id") == str(post_id)
                                                   for s in page.json()):
                    self.seen.add(follower)
        return len(self.seen)


# Jobs running, or queued and due: jobs due later (media's hourly sweep) are not work the
# next measurement would see, and waiting for them would spend the whole limit. {now} is the
# database's clock in the form its run_at column holds.
_JOBS_PENDING = ("SELECT count(*) FROM jobs WHERE state = 'running' OR (state = 'queued' "
                 "AND last_error IS NULL AND run_at <= {now})")
_NOW = {True: "strftime('%Y-%m-%d %H:%M:%f', 'now')", False: "now()"}


async def wait_jobs_idle(counter: DeliveryCounter, limit_s: float = 120) -> None:
    """Let queued fan-out finish before the next measurement starts."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        now = _NOW[counter.db_url.startswith("sqlite")]
        if not await counter.scalar(_JOBS_PENDING.format(now=now)):
            return
        await asyncio.sleep(0.5)


Progress = Callable[[int], Awaitable[int]]
# Followers whose home pages show a broadcast post (their reads add to the storm's load: keep
# the sample small and the polls spaced).
PROBE_SAMPLE = 10
PROBE_EVERY = 0.2


def poll_every(expected: int) -> float:
    """How often the delivery curve gets a point (an estimate from a sample of followers)."""
    return 0.05 if expected <= 20_000 else 0.2


# How often the cheap "is any fan-out job left?" probe runs.
PENDING_EVERY = 0.02


def fanout_jobs(counter: DeliveryCounter, author: int, expected: int) -> Jobs:
    async def estimate(post: int) -> int:
        return await counter.estimate(post, author, expected)

    return Jobs(counter.fanout_pending, estimate)


@dataclass(frozen=True)
class Jobs:
    """Full delivery by the job queue: `pending` (cheap) says whether fan-out jobs are left,
    `estimate` gives the curve's points meanwhile; `progress` (exact) runs once they are
    gone, to confirm."""

    pending: Callable[[], Awaitable[bool]]
    estimate: Progress


async def track(post_id: int, started: float, progress: Progress, expected: int,
                 limit_s: float, every: float = 0.05, jobs: Jobs | None = None
                 ) -> dict[str, Any]:
    """Poll how many of `expected` have the post until all do (or the time limit). With
    `jobs`, full delivery is when no fan-out job was left (the exact count confirming it),
    and the curve's other points are estimates taken every `every` s."""
    curve: list[tuple[float, int]] = []
    delivered = 0
    full: float | None = None
    next_point = 0.0
    while (now := time.perf_counter() - started) < limit_s:
        if jobs is None:
            delivered = await progress(post_id)
            curve.append((time.perf_counter() - started, delivered))
            if delivered >= expected:
                full = curve[-1][0]
                break
            await asyncio.sleep(every)
            continue
        if not await jobs.pending():
            seen = time.perf_counter() - started
            delivered = await progress(post_id)
            curve.append((seen, delivered))
            if delivered >= expected:
                full = seen
                break
            await asyncio.sleep(every)  # jobs gone yet not all delivered: a failed job
        elif now >= next_point:
            curve.append((now, await jobs.estimate(post_id)))
            next_point = now + every
        await asyncio.sleep(PENDING_EVERY)
    return {"post_id": post_id, "expected": expected, "delivered": delivered,
            "full_delivery_s": full, "deliveries_per_s": expected / full if full else None,
            "curve": curve}
