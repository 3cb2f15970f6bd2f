"""Benchmark scenarios: CPU per operation (wrk), latency vs offered load (open loop), compose
latency by audience size, and the celebrity storm with fan-out delivered vs time."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.closedloop import wrk
from bench.openloop import Call, open_loop
from bench.ops import Workload
from bench.procs import Server, cpu_seconds


class DeliveryCounter:
    """Counts a post's home timeline entries straight from the database."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self._sqlite: sqlite3.Connection | None = None
        self._pg: Any = None

    async def count(self, post_id: int) -> int:
        if self.db_url.startswith("sqlite"):
            if self._sqlite is None:
                self._sqlite = sqlite3.connect(self.db_url.split("///", 1)[1],
                                               check_same_thread=False)
            conn = self._sqlite
            return int(await asyncio.to_thread(
                lambda: conn.execute("SELECT count(*) FROM timeline_entries WHERE post_id = ?",
                                     (post_id,)).fetchone()[0]))
        if self._pg is None:
            import asyncpg

            self._pg = await asyncpg.connect(self.db_url)
        return int(await self._pg.fetchval(
            "SELECT count(*) FROM timeline_entries WHERE post_id = $1", post_id))

    async def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
        if self._pg is not None:
            await self._pg.close()


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


async def _compose_and_track(server: Server, workload: Workload, author: int, expected: int,
                             counter: DeliveryCounter, limit_s: float) -> dict[str, Any]:
    """Post as `author`, then poll the post's delivered count until all `expected` arrive."""
    started = time.perf_counter()
    result = await open_loop(server.port, 1000, 0.001, workload.single("compose", author))
    sent_ms = (time.perf_counter() - started) * 1000
    body = next(iter(result.bodies.values()), b"{}")
    post_id = int(json.loads(body).get("id", 0))
    curve: list[tuple[float, int]] = []
    delivered = 0
    while time.perf_counter() - started < limit_s:
        delivered = await counter.count(post_id)
        curve.append((time.perf_counter() - started, delivered))
        if delivered >= expected:
            break
        await asyncio.sleep(0.05)
    full = curve[-1][0] if delivered >= expected else None
    return {"post_id": post_id, "compose_ms": sent_ms, "expected": expected,
            "delivered": delivered, "full_delivery_s": full,
            "deliveries_per_s": expected / full if full else None, "curve": curve}


async def storm(server: Server, workload: Workload, counter: DeliveryCounter, *,
                celebrity: int, followers: int, read_rate: float, seconds: float,
                every: float = 10.0, read_op: str = "home20") -> dict[str, Any]:
    """Read load alone, then the same read load while the celebrity posts every `every` s."""
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
    return {"read_rate": read_rate, "seconds": seconds, "every": every, "quiet": quiet,
            "storm": stormy, "posts": posts}


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
