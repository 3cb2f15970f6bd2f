"""The soak (`parley bench run --scenarios soak`): a mixed open-loop load (home and account
reads, thread reads, notifications, posts and replies) at half the measured capacity of that
same mix (`mix_capacity`: wrk in closed loop, the fan-out its posts queued drained and
counted) for a long time (30 minutes by default), with user streams held open throughout.
Measured per window of `window` seconds: p50/p99 latency, errors and non-2xx answers, the web
process's RSS and CPU, events the streams received and streams that ended. Pass: zero errors,
RSS flat within 10 % after the first window, p99 stable: the median p99 of the last third of
the windows within 1.5x that of the first third (bench/report.py plots it)."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

from hdrh.histogram import HdrHistogram

from bench.closedloop import wrk
from bench.delivery import DeliveryCounter, wait_jobs_idle
from bench.openloop import MAX_LATENCY_US, open_loop
from bench.ops import Workload, token_for
from bench.procs import Server

# What the soak sends: reads of every kind, posts and replies (bench/ops.py builds them).
SOAK_MIX = {"home20": 40, "account": 15, "context": 15, "notifications": 10, "home_max_id": 5,
            "compose": 8, "reply": 7}


async def mix_capacity(server: Server, workload: Workload, counter: DeliveryCounter, *,
                       seconds: float, connections: int, scratch: Path, calls: int = 2000
                       ) -> dict[str, Any]:
    """The soak mix's own capacity: wrk saturating the server with it in closed loop, then
    the jobs its posts queued drained, so requests per second of the whole (a mix with posts
    costs far more than its reads alone: home20's rate would overload it)."""
    next_call = workload.mix(SOAK_MIX)
    sample = [next_call() for _ in range(calls)]
    began = time.monotonic()
    result = await asyncio.to_thread(wrk, server.url, sample, scratch / "soak-mix.lua",
                                     seconds=seconds, connections=connections)
    loaded_s = time.monotonic() - began
    await wait_jobs_idle(counter)
    total_s = time.monotonic() - began
    return {"requests": result["requests"], "wrk_rps": round(result["rps"], 1),
            "drain_s": round(total_s - loaded_s, 2),
            "rps": round(result["requests"] / total_s, 1), "errors": result["errors"],
            "non2xx": result["non2xx"]}


class Streams:
    """User streams (SSE) of active accounts, held open; counts what arrives and who left."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.events = 0
        self.ended = 0
        self.tasks: list[asyncio.Task[None]] = []

    def open(self, tokens: list[str]) -> None:
        self.tasks = [asyncio.create_task(self._listen(token)) for token in tokens]

    async def _listen(self, token: str) -> None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            writer.write(f"GET /api/v1/streaming/user HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         f"Authorization: Bearer {token}\r\n\r\n".encode())
            while line := await reader.readline():
                if line.startswith(b"event:"):
                    self.events += 1
        except (OSError, asyncio.IncompleteReadError):
            pass
        self.ended += 1

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def _window(result: Any, server: Server, began: float, cpu_before: float) -> dict[str, Any]:
    """One window's numbers, every operation's latencies merged."""
    merged = None
    for histogram in result.histograms.values():
        if merged is None:
            merged = HdrHistogram(1, MAX_LATENCY_US, 3)
        merged.add(histogram)
    bad = sum(count for key, count in result.statuses.items()
              if not key.rsplit(" ", 1)[-1].startswith("2"))
    return {"t_s": round(time.monotonic() - began, 1), "requests": result.completed,
            "p50_ms": merged.get_value_at_percentile(50) / 1000 if merged else None,
            "p99_ms": merged.get_value_at_percentile(99) / 1000 if merged else None,
            "errors": sum(result.errors.values()), "non_2xx": bad,
            "rss_kb": server.memory().get("VmRSS", 0),
            "cpu_s": round(server.cpu() - cpu_before, 2)}


async def soak(server: Server, workload: Workload, *, rate: float, seconds: float,
               window: float = 30.0, streams: int = 50) -> dict[str, Any]:
    """Run the soak; returns its windows and the verdict's numbers."""
    listeners = Streams(server.port)
    listeners.open([token_for(account) for account in workload.regular_active[:streams]])
    next_call = workload.mix(SOAK_MIX)
    windows: list[dict[str, Any]] = []
    statuses: Counter[str] = Counter()
    began = time.monotonic()
    try:
        while time.monotonic() - began < seconds:
            cpu_before = server.cpu()
            result = await open_loop(server.port, rate, min(window, seconds), next_call,
                                     drain=10.0)
            statuses.update(result.statuses)
            windows.append({**_window(result, server, began, cpu_before),
                            "stream_events": listeners.events,
                            "streams_ended": listeners.ended})
    finally:
        await listeners.close()
    settled = windows[1:] or windows  # the first window warms caches and pools
    rss = [w["rss_kb"] for w in settled]
    p99 = [w["p99_ms"] for w in settled if w["p99_ms"] is not None]
    third = max(1, len(p99) // 3)  # a third's median: one slow window is not a trend
    return {"rate": rate, "seconds": seconds, "window_s": window, "streams": streams,
            "windows": windows, "statuses": dict(statuses),
            "errors": sum(w["errors"] + w["non_2xx"] for w in windows),
            "streams_ended": listeners.ended,
            "rss_growth": round(max(rss) / min(rss) - 1, 4) if rss else None,
            "p99_first_ms": statistics.median(p99[:third]) if p99 else None,
            "p99_last_ms": statistics.median(p99[-third:]) if p99 else None,
            "p99_max_ms": max(p99) if p99 else None}
