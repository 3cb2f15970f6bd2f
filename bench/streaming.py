"""Streaming benchmark (issue 4): reply -> notification delivery latency under a steady
posting load, and server memory per idle streaming connection.

    python -m bench.streaming latency --rate 100 --duration 20
    python -m bench.streaming connections --count 5000 [--kind sse|ws]

Each run starts its own Parley (`parley run` shape: web + worker in one process) on a fresh
SQLite database, or on PARLEY_BENCH_DATABASE_URL (+ PARLEY_REDIS_URL) when set.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx
import websockets

from bench.procs import Server, memory_kb, start_parley
from parley.store.migrate import migrate

PASSWORD = "benchmark password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
MARKER = re.compile(r"ping-(\d+)")


@dataclass
class Setup:
    server: Server
    author_token: str
    author_name: str
    poster_tokens: list[str]


def _register(client: httpx.Client, app: dict[str, str], name: str) -> str:
    grant = client.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": app["client_id"],
        "client_secret": app["client_secret"], "scope": "read write"}).json()
    token = client.post("/api/v1/accounts", headers={
        "authorization": f"Bearer {grant['access_token']}"}, data={
        "username": name, "email": f"{name}@bench.example", "password": PASSWORD,
        "agreement": "true"}).json()
    return str(token["access_token"])


def start(posters: int, log_dir: Path) -> Setup:
    """A fresh server with an author and `posters` accounts, all signed up through the API."""
    db_url = os.environ.get("PARLEY_BENCH_DATABASE_URL") or (
        f"sqlite+aiosqlite:///{log_dir / 'streaming.sqlite3'}")
    migrate(db_url)
    port = free_port()
    server = start_parley(db_url, port, f"http://127.0.0.1:{port}", log_dir,
                          redis_url=os.environ.get("PARLEY_REDIS_URL", ""))
    with httpx.Client(base_url=server.url, timeout=30) as client:
        app = client.post("/api/v1/apps", data={
            "client_name": "bench", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
            "scopes": "read write"}).json()
        stamp = int(time.time()) % 100000
        author = f"author{stamp}"
        author_token = _register(client, app, author)
        tokens = [_register(client, app, f"poster{stamp}x{i}") for i in range(posters)]
    return Setup(server, author_token, author, tokens)


@dataclass
class LatencyRun:
    sent_at: dict[int, float] = field(default_factory=dict)
    received: dict[int, float] = field(default_factory=dict)
    # The first poster's own posts arriving in their home stream (after fan-out).
    home_received: dict[int, float] = field(default_factory=dict)
    home_sent: set[int] = field(default_factory=set)
    duplicates: int = 0
    request_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: Counter[str] = field(default_factory=Counter)
    resent: int = 0  # requests resent on a new connection (the server closed an idle one)
    server_cpu_s: float = 0.0  # the server's process CPU time over the sending phase
    client_cpu_s: float = 0.0  # this benchmark client's, over the same phase


async def _listen(url: str, token: str, stream: str, event: str, ready: asyncio.Event,
                  received: dict[int, float], run: LatencyRun) -> None:
    """Record when each marked post arrives as `event` on `stream` (the first time)."""
    async with websockets.connect(url, subprotocols=[token],  # type: ignore[list-item]
                                  max_queue=None) as socket:
        await socket.send(json.dumps({"type": "subscribe", "stream": stream}))
        await asyncio.sleep(0.5)
        ready.set()
        async for raw in socket:
            now = time.perf_counter()
            message = json.loads(raw)
            if message.get("event") != event:
                continue
            payload = json.loads(message["payload"])
            found = MARKER.search((payload.get("status") or payload)["content"])
            if found is None:
                continue
            number = int(found.group(1))
            if number in received:
                run.duplicates += 1
            received[number] = now


def _listeners(setup: Setup, run: LatencyRun) -> tuple[list[asyncio.Task[None]],
                                                       list[asyncio.Event]]:
    """The author's notifications (the reply's own transaction), and the first poster's home
    `update`s of their own posts (published after the fan-out job wrote the entry)."""
    url = setup.server.url.replace("http://", "ws://") + "/api/v1/streaming"
    ready = [asyncio.Event(), asyncio.Event()]
    tasks = [
        asyncio.create_task(_listen(url, setup.author_token, "user:notification",
                                    "notification", ready[0], run.received, run)),
        asyncio.create_task(_listen(url, setup.poster_tokens[0], "user", "update", ready[1],
                                    run.home_received, run)),
    ]
    return tasks, ready


class RawClient:
    """Minimal HTTP/1.1 keep-alive client for the load: the benchmark shares the server's
    cores, and httpx cost about as much CPU per request as the server's compose.

    uvicorn closes a connection idle for 5 s (timeout_keep_alive): an idle connection older
    than IDLE_S is dropped rather than reused, and a reused one the server closed anyway
    (EOF before any byte of a response: it never read the request) is replaced and the
    request sent again once. Latency still counts from the request's scheduled time."""

    IDLE_S = 4.0

    def __init__(self, port: int) -> None:
        self.port = port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
        self.resent = 0  # requests sent again on a fresh connection

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bool]:
        """(reader, writer, reused): the most recently used idle connection young enough."""
        now = time.monotonic()
        while self.idle:
            reader, writer, since = self.idle.pop()
            if now - since < self.IDLE_S and not reader.at_eof():
                return reader, writer, True
            writer.close()
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        return reader, writer, False

    async def post_form(self, path: str, token: str, form: dict[str, str]) -> int:
        """POST a form; returns the status (the body is read and dropped)."""
        body = urlencode(form).encode()
        request = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   f"Authorization: Bearer {token}\r\n"
                   "Content-Type: application/x-www-form-urlencoded\r\n"
                   f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        reader, writer, reused = await self._connection()
        while True:
            try:
                writer.write(request)
                status_line = await reader.readline()
            except OSError:
                status_line = b""
            if status_line or not reused:
                break
            # The server closed this idle connection before reading the request: resend.
            writer.close()
            self.resent += 1
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            reused = False
        try:
            status = int(status_line.split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            writer.close()
            raise
        self.idle.append((reader, writer, time.monotonic()))
        return status

    def close(self) -> None:
        for _reader, writer, _since in self.idle:
            writer.close()


async def _post(client: RawClient, setup: Setup, run: LatencyRun, number: int,
                scheduled: float) -> None:
    token = setup.poster_tokens[number % len(setup.poster_tokens)]
    run.sent_at[number] = scheduled
    if token == setup.poster_tokens[0]:
        run.home_sent.add(number)
    try:
        status = await client.post_form("/api/v1/statuses", token,
                                        {"status": f"@{setup.author_name} ping-{number}"})
        if status >= 400:
            run.errors += 1
            run.error_kinds[f"HTTP {status}"] += 1
    except (OSError, ValueError, IndexError, asyncio.IncompleteReadError) as error:
        run.errors += 1
        run.error_kinds[type(error).__name__] += 1
    run.request_ms.append((time.perf_counter() - scheduled) * 1000)


def _profile(pid: int, duration: float, output: str) -> subprocess.Popen[bytes]:
    """py-spy record of the server over the sending phase (a flame graph, or `.txt`:
    collapsed stacks), sampling without stopping it."""
    kind = "raw" if output.endswith(".txt") else "flamegraph"
    spy = Path(sys.executable).with_name("py-spy")
    return subprocess.Popen([str(spy) if spy.exists() else "py-spy", "record", "--nonblocking",
                             "-p", str(pid), "-d", str(max(1, int(duration))), "-f", kind,
                             "-o", output],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def measure_latency(setup: Setup, rate: float, duration: float,
                          profile: str | None = None) -> LatencyRun:
    """Open loop: post i is due at start + i/rate whatever happened before (latency counts
    from the due time, so a slow server cannot hide its queueing)."""
    run = LatencyRun()
    listeners, ready = _listeners(setup, run)
    for event in ready:
        await event.wait()
    client = RawClient(setup.server.port)
    spy = _profile(setup.server.pid, duration, profile) if profile else None
    cpu_before, client_before = setup.server.cpu(), time.process_time()
    start_at = time.perf_counter()
    tasks = []
    for number in range(int(rate * duration)):
        due = start_at + number / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(_post(client, setup, run, number, due)))
    await asyncio.gather(*tasks)
    await asyncio.sleep(0.5)  # the last notifications' publishing counts too
    run.server_cpu_s = setup.server.cpu() - cpu_before
    run.client_cpu_s = time.process_time() - client_before
    run.resent = client.resent
    client.close()
    if spy is not None:
        await asyncio.to_thread(spy.wait)
    deadline = time.perf_counter() + 10
    # Stragglers: a bounded poll of a counter (the measurement itself is already taken).
    while len(run.received) < len(run.sent_at) - run.errors and time.perf_counter() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    for listener in listeners:
        listener.cancel()
    return run


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def report_latency(run: LatencyRun, rate: float) -> str:
    delays = [(run.received[n] - run.sent_at[n]) * 1000 for n in run.received]
    home = [(run.home_received[n] - run.sent_at[n]) * 1000 for n in run.home_received]
    lost = len(run.sent_at) - run.errors - len(run.received)
    sent = max(1, len(run.sent_at))
    return "\n".join([
        f"offered rate: {rate:g} replies/s, sent {len(run.sent_at)}, errors {run.errors}, "
        f"delivered {len(run.received)}, lost {lost}, duplicated {run.duplicates}, "
        f"resent on a new connection {run.resent}"
        + (f" (errors: {dict(run.error_kinds)})" if run.error_kinds else ""),
        f"reply -> notification (ms): p50 {percentile(delays, .5):.1f}  "
        f"p90 {percentile(delays, .9):.1f}  p99 {percentile(delays, .99):.1f}  "
        f"max {max(delays, default=0):.1f}",
        f"post -> own home update (ms, after fan-out; {len(home)} of {len(run.home_sent)} "
        f"posts): "
        f"p50 {percentile(home, .5):.1f}  p99 {percentile(home, .99):.1f}  "
        f"max {max(home, default=0):.1f}",
        f"POST /statuses (ms):        p50 {percentile(run.request_ms, .5):.1f}  "
        f"p99 {percentile(run.request_ms, .99):.1f}  "
        f"mean {statistics.fmean(run.request_ms) if run.request_ms else 0:.1f}",
        f"CPU per reply (µs): server {run.server_cpu_s * 1e6 / sent:,.0f}  "
        f"client {run.client_cpu_s * 1e6 / sent:,.0f}",
    ])


async def _open_sse(port: int, token: str) -> asyncio.StreamWriter:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /api/v1/streaming/user HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 f"Authorization: Bearer {token}\r\n\r\n".encode())
    await writer.drain()
    await reader.readuntil(b":)")  # the stream's first comment: subscribed
    return writer


class _Closable(Protocol):
    """An open streaming connection the benchmark holds: SSE's writer or a WebSocket."""

    def close(self) -> Any: ...


async def _open_ws(port: int, token: str) -> _Closable:
    return await websockets.connect(f"ws://127.0.0.1:{port}/api/v1/streaming?stream=user",
                                    subprotocols=[token])  # type: ignore[list-item]


async def measure_connections(setup: Setup, count: int, kind: str) -> str:
    """Server RSS growth per idle streaming connection (median of the settled readings)."""
    pid = setup.server.pid
    await asyncio.sleep(1)
    before = memory_kb(pid)["VmRSS"]
    opener = _open_sse if kind == "sse" else _open_ws
    held: list[_Closable] = []
    for first in range(0, count, 250):
        held += await asyncio.gather(*(opener(setup.server.port, setup.author_token)
                                       for _ in range(min(250, count - first))))
    await asyncio.sleep(3)
    after = memory_kb(pid)["VmRSS"]
    per_connection = (after - before) * 1024 / count
    for connection in held:
        close = connection.close
        result = close()
        if asyncio.iscoroutine(result):
            await result
    return (f"{count} idle {kind} connections: server RSS {before / 1024:.1f} MB -> "
            f"{after / 1024:.1f} MB, {per_connection / 1024:.1f} KB per connection")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    latency = sub.add_parser("latency")
    latency.add_argument("--rate", type=float, default=100)
    latency.add_argument("--duration", type=float, default=20)
    latency.add_argument("--posters", type=int, default=20)
    latency.add_argument("--profile", metavar="FILE",
                         help="py-spy record the server while sending (.svg, or .txt)")
    connections = sub.add_parser("connections")
    connections.add_argument("--count", type=int, default=5000)
    connections.add_argument("--kind", choices=("sse", "ws"), default="sse")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        setup = start(getattr(args, "posters", 1), Path(tmp))
        try:
            if args.command == "latency":
                run = asyncio.run(measure_latency(setup, args.rate, args.duration,
                                                 args.profile))
                print(report_latency(run, args.rate))
            else:
                print(asyncio.run(measure_connections(setup, args.count, args.kind)))
        finally:
            setup.server.stop()


if __name__ == "__main__":
    main()
