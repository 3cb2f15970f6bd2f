"""Benchmark scenarios: CPU per operation (wrk), latency vs offered load (open loop), compose
latency by audience size, and the celebrity storm with fan-out delivered vs time."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.closedloop import wrk
from bench.openloop import Call, open_loop
from bench.ops import Workload
from bench.procs import Server, cpu_seconds

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

        waiting = [f for f in self.followers if f not in self.seen]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.port}",
                                     timeout=10) as client:
            pages = await asyncio.gather(*(
                client.get("/api/v1/timelines/home?limit=5",
                           headers={"Authorization": f"Bearer {token_for(f)}"})
                for f in waiting))
        for follower, page in zip(waiting, pages, strict=True):
            if page.status_code == 200 and any(s.get("id") == str(post_id)
                                               for s in page.json()):
                self.seen.add(follower)
        return len(self.seen)


class BackendCpu:
    """CPU seconds of the PostgreSQL backends serving one database (0 on SQLite, where the
    database runs inside the server process and is counted there)."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url

    async def seconds(self) -> float:
        if self.db_url.startswith("sqlite"):
            return 0.0
        import asyncpg

        name = self.db_url.rsplit("/", 1)[1]
        conn = await asyncpg.connect(self.db_url)
        try:
            pids = [row[0] for row in await conn.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                name)]
        finally:
            await conn.close()
        total = 0.0
        for pid in pids:
            try:
                total += cpu_seconds(pid)
            except OSError:
                continue  # a backend that ended meanwhile
        return total


async def cpu_per_op(server: Server, calls: list[Call], db: BackendCpu, *, seconds: float,
                     connections: int, scratch: Path, warmup: float = 2.0
                     ) -> dict[str, Any]:
    """Saturate `server` with wrk cycling through `calls`: throughput, latency and CPU-µs of
    the server process (and of the database backends, on PostgreSQL) per request."""
    if warmup > 0:
        await asyncio.to_thread(wrk, server.url, calls[:50], scratch / "warmup.lua",
                                seconds=warmup, connections=connections)
    cpu_before, db_before = server.cpu() + _extra_cpu(server), await db.seconds()
    result = await asyncio.to_thread(wrk, server.url, calls, scratch / "load.lua",
                                     seconds=seconds, connections=connections)
    cpu_after, db_after = server.cpu() + _extra_cpu(server), await db.seconds()
    requests = max(1, result["requests"])
    result["cpu_us_per_op"] = (cpu_after - cpu_before) * 1e6 / requests
    result["db_cpu_us_per_op"] = max(0.0, db_after - db_before) * 1e6 / requests
    result["rss_kb"] = server.memory()
    return result


def _extra_cpu(server: Server) -> float:
    total = 0.0
    for pid in server.extra_pids:
        try:
            total += cpu_seconds(pid)
        except OSError:
            continue
    return total


def _checker(failures: list[str]) -> Callable[[str, int, bytes], None]:
    def check(op: str, status: int, body: bytes) -> None:
        if status >= 400 and len(failures) < 20:
            failures.append(f"{op} {status} {body[:200]!r}")

    return check


async def latency_at_rate(server: Server, next_call: Callable[[], Call], *, rate: float,
                          seconds: float) -> dict[str, Any]:
    failures: list[str] = []
    cpu_before = server.cpu()
    result = await open_loop(server.port, rate, seconds, next_call, check=_checker(failures))
    summary = result.summary()
    summary["cpu_us_per_op"] = ((server.cpu() - cpu_before) * 1e6 / max(1, result.completed))
    summary["failures"] = failures
    summary["rss_kb"] = server.memory()
    return summary


async def latency_curve(server: Server, next_call: Callable[[], Call], rates: list[float], *,
                        seconds: float) -> list[dict[str, Any]]:
    """Latency percentiles at each offered rate (open loop), lowest rate first."""
    curve = []
    for rate in sorted(rates):
        curve.append(await latency_at_rate(server, next_call, rate=rate, seconds=seconds))
        await asyncio.sleep(1)
    return curve


async def wait_jobs_idle(counter: DeliveryCounter, limit_s: float = 120) -> None:
    """Let queued fan-out finish before the next measurement starts."""
    deadline = time.monotonic() + limit_s
    query = "SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')"
    while time.monotonic() < deadline:
        if counter.db_url.startswith("sqlite"):
            conn = sqlite3.connect(counter.db_url.split("///", 1)[1])
            pending = conn.execute(query).fetchone()[0]
            conn.close()
        else:
            import asyncpg

            conn_pg = await asyncpg.connect(counter.db_url)
            pending = await conn_pg.fetchval(query)
            await conn_pg.close()
        if not pending:
            return
        await asyncio.sleep(0.5)


Progress = Callable[[int], Awaitable[int]]
# Followers whose home pages show a broadcast post (their reads add to the storm's load: keep
# the sample small and the polls spaced).
PROBE_SAMPLE = 10
PROBE_EVERY = 0.2


def _poll_every(expected: int) -> float:
    """How often the delivery curve gets a point (an estimate from a sample of followers)."""
    return 0.05 if expected <= 20_000 else 0.2


# How often the cheap "is any fan-out job left?" probe runs.
PENDING_EVERY = 0.02


def _jobs(counter: DeliveryCounter, author: int, expected: int) -> Jobs:
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


async def _track(post_id: int, started: float, progress: Progress, expected: int,
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


async def _compose_and_track(server: Server, workload: Workload, author: int, expected: int,
                             counter: DeliveryCounter, limit_s: float) -> dict[str, Any]:
    """Post as `author`, then poll until all `expected` homes have it: entries counted in the
    database, or for a broadcast author (home reads merge its posts) a sample of followers'
    home pages read through the API."""
    probe: HomeProbe | None = None
    if await counter.is_broadcast(author):
        sample = await counter.followers_among(author, workload.active, PROBE_SAMPLE)
        probe = HomeProbe(server.port, sample)
    else:
        await counter.estimate(0, author, expected)  # picks the sample before the clock runs
    started = time.perf_counter()
    result = await open_loop(server.port, 1000, 0.001, workload.single("compose", author))
    sent_ms = (time.perf_counter() - started) * 1000
    body = next(iter(result.bodies.values()), b"{}")
    post_id = int(json.loads(body).get("id", 0))
    if probe is not None:
        tracked = await _track(post_id, started, probe.count, len(probe.followers), limit_s,
                               every=PROBE_EVERY)
        tracked.update(broadcast=True, followers=expected, deliveries_per_s=None)
    else:
        async def entries(post: int) -> int:
            return await counter.count(post, author)

        tracked = await _track(post_id, started, entries, expected, limit_s,
                               every=_poll_every(expected), jobs=_jobs(counter, author, expected))
    return {"compose_ms": sent_ms, **tracked}


async def fanout_without_hybrid(counter: DeliveryCounter, author: int, expected: int, *,
                                limit_s: float = 60) -> dict[str, Any]:
    """A post of a broadcast account fanned out to every home as if hybrid fan-out were off
    (PARLEY_BROADCAST_THRESHOLD=0): its first job runs here with that setting, the batches it
    queues run on the server's workers. The pure write fan-out rate at this audience size."""
    from parley.config import Settings, normalise_database_url
    from parley.db import Database
    from parley.jobs.registry import JobContext, build_registry
    from parley.lib.ids import new_id
    from parley.models import Post

    url = normalise_database_url(counter.db_url)
    settings = Settings(database_url=url, broadcast_threshold=0)
    db = Database(url)
    await counter.estimate(0, author, expected)
    try:
        post_id = new_id()
        started = time.perf_counter()
        async with db.write() as session:
            session.add(Post(id=post_id, account_id=author, uri=f"https://bench.test/{post_id}",
                             visibility="public", thread_id=post_id, text="hybrid off"))
            await session.flush()
            await build_registry()["fanout_post"](JobContext(session, settings),
                                                  {"post_id": post_id})

        async def entries(post: int) -> int:
            return await counter.count(post, author)

        return await _track(post_id, started, entries, expected, limit_s,
                            every=_poll_every(expected), jobs=_jobs(counter, author, expected))
    finally:
        await db.dispose()


async def storm(server: Server, workload: Workload, counter: DeliveryCounter, *,
                celebrity: int, followers: int, read_rate: float, seconds: float,
                every: float = 10.0, read_op: str = "home20") -> dict[str, Any]:
    """Read load alone, then the same read load while the celebrity posts every `every` s;
    then, without read load, the 10,000-follower account's fan-out and (for a broadcast
    celebrity) the celebrity's fan-out with hybrid fan-out off."""
    reads = workload.single(read_op)
    quiet = await latency_at_rate(server, reads, rate=read_rate, seconds=seconds)
    await wait_jobs_idle(counter)
    posts: list[dict[str, Any]] = []

    async def celebrity_posts() -> None:
        for _ in range(max(1, int(seconds // every))):
            tick = time.perf_counter()
            posts.append(await _compose_and_track(server, workload, celebrity, followers + 1,
                                                  counter, limit_s=every * 3))
            await asyncio.sleep(max(0.0, every - (time.perf_counter() - tick)))

    stormy_task = asyncio.create_task(latency_at_rate(server, reads, rate=read_rate,
                                                      seconds=seconds))
    await celebrity_posts()
    stormy = await stormy_task
    await wait_jobs_idle(counter)
    out: dict[str, Any] = {"read_rate": read_rate, "seconds": seconds, "every": every,
                           "quiet": quiet, "storm": stormy, "posts": posts}
    ten_k = workload.m["celebrities"].get("10000")
    if ten_k is not None and int(ten_k) != celebrity:
        out["fanout_10k"] = await _compose_and_track(server, workload, int(ten_k), 10_001,
                                                     counter, limit_s=60)
        await wait_jobs_idle(counter)
    if await counter.is_broadcast(celebrity):
        out["hybrid_off"] = await fanout_without_hybrid(counter, celebrity, followers + 1)
        await wait_jobs_idle(counter)
    return out


async def compose_by_audience(server: Server, workload: Workload, counter: DeliveryCounter,
                              authors: dict[str, int], *, rate: float, seconds: float
                              ) -> dict[str, Any]:
    """Compose latency for authors of very different audiences, one after the other."""
    out = {}
    for label, author in authors.items():
        await wait_jobs_idle(counter)
        out[label] = await latency_at_rate(server, workload.single("compose", author),
                                           rate=rate, seconds=seconds)
    await wait_jobs_idle(counter)
    return out
