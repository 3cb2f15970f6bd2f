"""Benchmark scenarios: CPU per operation (wrk), latency vs offered load (open loop), compose
latency by audience size, and the celebrity storm with fan-out delivered vs time."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.closedloop import wrk
from bench.delivery import (
    PROBE_EVERY,
    PROBE_SAMPLE,
    DeliveryCounter,
    HomeProbe,
    fanout_jobs,
    poll_every,
    track,
    wait_jobs_idle,
)
from bench.openloop import Call, open_loop, send_now
from bench.ops import Workload
from bench.procs import Server, cpu_seconds


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
    compose = workload.single("compose", author)()
    started = time.perf_counter()
    _, body = await send_now(server.port, compose)
    sent_ms = (time.perf_counter() - started) * 1000
    post_id = int(json.loads(body or b"{}").get("id", 0))
    if probe is not None:
        tracked = await track(post_id, started, probe.count, len(probe.followers), limit_s,
                               every=PROBE_EVERY)
        tracked.update(broadcast=True, followers=expected, deliveries_per_s=None)
    else:
        async def entries(post: int) -> int:
            return await counter.count(post, author)

        tracked = await track(post_id, started, entries, expected, limit_s,
                              every=poll_every(expected),
                              jobs=fanout_jobs(counter, author, expected))
        full = tracked["full_delivery_s"]
        # The rate counts from the moment the post exists (the compose request answered):
        # the request's own latency is compose's, not the fan-out's.
        if full:
            tracked["deliveries_per_s"] = expected / max(full - sent_ms / 1000, 1e-3)
    return {"compose_ms": sent_ms, **tracked}


async def fanout_without_hybrid(counter: DeliveryCounter, author: int, expected: int, *,
                                limit_s: float = 60) -> dict[str, Any]:
    """A post of a broadcast account fanned out to every home as if hybrid fan-out were off
    (PARLEY_BROADCAST_THRESHOLD=0): its first job runs here with that setting, the batches it
    queues run on the server's workers. The pure write fan-out rate at this audience size."""
    from parley.config import Settings
    from parley.jobs.registry import JobContext
    from parley.lib.ids import new_id
    from parley.models import Post
    from parley.store.database import Database
    from parley.store.dialect import engine_url
    from parley.timelines.jobs import FanoutPost, fanout_post

    url = engine_url(counter.db_url)
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
            await fanout_post(JobContext(session, settings), FanoutPost(post_id))

        async def entries(post: int) -> int:
            return await counter.count(post, author)

        return await track(post_id, started, entries, expected, limit_s,
                            every=poll_every(expected), jobs=fanout_jobs(counter, author, expected))
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
