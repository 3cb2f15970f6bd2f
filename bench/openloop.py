"""Open-loop load at a fixed arrival rate, latency measured from each request's scheduled send
time (so a slow server cannot slow the load down and hide its own queueing: no coordinated
omission), recorded in HdrHistograms per operation.

A minimal HTTP/1.1 keep-alive client on asyncio streams: the load generator shares the
machine with the server, so it must cost as little CPU per request as possible.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hdrh.histogram import HdrHistogram

MAX_LATENCY_US = 120_000_000
Conn = tuple[asyncio.StreamReader, asyncio.StreamWriter]


@dataclass(frozen=True)
class Call:
    """One request: an operation name and the raw HTTP/1.1 bytes to send."""

    op: str
    raw: bytes


def http_request(method: str, path: str, token: str | None, body: bytes = b"",
                 content_type: str = "application/json") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if body or method == "POST":
        lines += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = None
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        key = name.strip().lower()
        if key == b"content-length":
            length = int(value)
        elif key == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        parts: list[bytes] = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            data = await reader.readexactly(size + 2)
            if size == 0:
                return status, b"".join(parts)
            parts.append(data[:-2])
    return status, await reader.readexactly(length or 0)


@dataclass
class Result:
    """Per-operation histograms (µs), status counts and how the schedule went."""

    rate: float
    duration: float
    histograms: dict[str, HdrHistogram] = field(default_factory=dict)
    statuses: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    scheduled: int = 0
    completed: int = 0
    elapsed: float = 0.0
    bodies: dict[str, bytes] = field(default_factory=dict)  # one sample body per op

    def record(self, op: str, latency_us: int) -> None:
        hist = self.histograms.get(op)
        if hist is None:
            hist = self.histograms[op] = HdrHistogram(1, MAX_LATENCY_US, 3)
        hist.record_value(min(max(1, latency_us), MAX_LATENCY_US))

    def summary(self) -> dict[str, Any]:
        ops = {}
        for op, hist in sorted(self.histograms.items()):
            ops[op] = {"count": hist.get_total_count(),
                       **{f"p{q:g}": hist.get_value_at_percentile(q) / 1000
                          for q in (50, 90, 99, 99.9)},
                       "max": hist.get_max_value() / 1000, "mean": hist.get_mean_value() / 1000}
        return {"rate": self.rate, "duration": self.duration, "scheduled": self.scheduled,
                "completed": self.completed, "achieved_rate": self.completed / self.elapsed
                if self.elapsed else 0.0, "statuses": dict(self.statuses),
                "errors": dict(self.errors), "ops_ms": ops}


class _Pool:
    def __init__(self, host: str, port: int, limit: int) -> None:
        self.host, self.port, self.limit = host, port, limit
        self.idle: list[Conn] = []
        self.open = 0
        self.freed = asyncio.Condition()

    async def get(self, fresh: bool = False) -> tuple[Conn, bool]:
        """A connection, and whether it is a kept-alive one reused."""
        async with self.freed:
            while not (self.idle and not fresh) and self.open >= self.limit:
                await self.freed.wait()
            if self.idle and not fresh:
                return self.idle.pop(), True
            self.open += 1
        try:
            return await asyncio.open_connection(self.host, self.port), False
        except OSError:
            await self.drop()
            raise

    async def put(self, conn: Conn) -> None:
        async with self.freed:
            self.idle.append(conn)
            self.freed.notify()

    async def drop(self) -> None:
        async with self.freed:
            self.open -= 1
            self.freed.notify()

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()


async def _exchange(pool: _Pool, call: Call) -> tuple[int, bytes, Conn]:
    conn, reused = await pool.get()
    try:
        conn[1].write(call.raw)
        status, body = await _read_response(conn[0])
        return status, body, conn
    except (OSError, asyncio.IncompleteReadError):
        conn[1].close()
        await pool.drop()
        if not reused:
            raise
    # The server closed a keep-alive connection that sat idle (uvicorn does after 5 s): a
    # client artifact, so send again on a new one (still timed from the scheduled moment).
    conn, _ = await pool.get(fresh=True)
    conn[1].write(call.raw)
    status, body = await _read_response(conn[0])
    return status, body, conn


async def send_now(port: int, call: Call, host: str = "127.0.0.1") -> tuple[int, bytes]:
    """One request, sent at once on a new connection (for a moment the caller times itself:
    `open_loop` starts its schedule 50 ms after it is called)."""
    pool = _Pool(host, port, 1)
    try:
        status, body, conn = await _exchange(pool, call)
        conn[1].close()
        return status, body
    finally:
        pool.close()


async def _one(pool: _Pool, call: Call, scheduled: float, result: Result,
               check: Callable[[str, int, bytes], None] | None) -> None:
    try:
        status, body, conn = await _exchange(pool, call)
    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
        result.errors[type(exc).__name__] += 1
        await pool.drop()
        return
    await pool.put(conn)
    result.record(call.op, int((time.perf_counter() - scheduled) * 1e6))
    result.statuses[f"{call.op} {status}"] += 1
    result.completed += 1
    if call.op not in result.bodies:
        result.bodies[call.op] = body
    if check is not None:
        check(call.op, status, body)


async def open_loop(port: int, rate: float, duration: float, next_call: Callable[[], Call], *,
                    connections: int = 256, host: str = "127.0.0.1",
                    check: Callable[[str, int, bytes], None] | None = None,
                    drain: float = 30.0) -> Result:
    """Send `rate` requests/s for `duration` s on a fixed schedule; wait up to `drain` s for
    the stragglers (still timed from their scheduled moment)."""
    result = Result(rate=rate, duration=duration)
    pool = _Pool(host, port, connections)
    tasks: set[asyncio.Task[None]] = set()
    start = time.perf_counter() + 0.05
    total = int(rate * duration)
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(_one(pool, next_call(), scheduled, result, check))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    result.scheduled = total
    if tasks:
        await asyncio.wait(set(tasks), timeout=drain)
    result.elapsed = time.perf_counter() - start
    for task in list(tasks):
        task.cancel()
        result.errors["unfinished"] += 1
    pool.close()
    return result
