"""Starts a real Parley process on 127.0.0.1 with a fresh database, for one test session."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

STARTUP_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    base_url: str
    database_url: str
    log_path: Path
    process: subprocess.Popen[bytes]

    def log_tail(self, lines: int = 80) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


async def _admin(url: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def fresh_database(tmp_dir: Path) -> Iterator[str]:
    """A new empty database: a SQLite file, or a new PostgreSQL database on the test server
    named by PARLEY_TEST_DATABASE_URL (dropped afterwards)."""
    server_url = os.environ.get("PARLEY_TEST_DATABASE_URL", "")
    if not server_url.startswith(("postgresql", "postgres")):
        yield f"sqlite+aiosqlite:///{tmp_dir / 'parley-test.sqlite3'}"
        return
    plain = server_url.replace("postgresql+asyncpg://", "postgresql://")
    name = f"parley_test_{secrets.token_hex(4)}"
    asyncio.run(_admin(plain, f'CREATE DATABASE "{name}"'))
    parts = urlsplit(plain)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        asyncio.run(_admin(plain, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _wait_until_up(server: LiveServer) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"Parley exited during start-up:\n{server.log_tail()}")
        try:
            if httpx.get(f"{server.base_url}/api/v1/instance", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"Parley did not start within {STARTUP_TIMEOUT}s:\n{server.log_tail()}")


@contextmanager
def run_server(tmp_dir: Path, *, extra_env: dict[str, str] | None = None,
               database_url: str | None = None) -> Iterator[LiveServer]:
    """`parley run` (web + in-process worker) on a free port, stopped afterwards; on a fresh
    database unless one is given."""
    if database_url is not None:
        with _serve(tmp_dir, database_url, extra_env) as server:
            yield server
        return
    with fresh_database(tmp_dir) as fresh, _serve(tmp_dir, fresh, extra_env) as server:
        yield server


def environment(tmp_dir: Path, database_url: str, base_url: str,
                 extra_env: dict[str, str] | None) -> dict[str, str]:
    return {**os.environ, "PARLEY_DATABASE_URL": database_url, "PARLEY_BASE_URL": base_url,
            "PARLEY_ENVIRONMENT": "test", "PARLEY_DATA_DIR": str(tmp_dir),
            # Closing a stream client waits for the next byte: keep heartbeats frequent.
            "PARLEY_STREAMING_HEARTBEAT": "0.5",
            # Profile links verified in tests point at pages served on 127.0.0.1.
            "PARLEY_FETCH_PRIVATE_ADDRESSES": "1",
            # Every test client is 127.0.0.1: one address's budget would be the whole
            # suite's. The rate-limit tests turn limits on for their own servers.
            "PARLEY_RATE_LIMITS": "0",
            **(extra_env or {})}


@contextmanager
def _serve(tmp_dir: Path, database_url: str, extra_env: dict[str, str] | None,
           command: str = "run") -> Iterator[LiveServer]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = environment(tmp_dir, database_url, base_url, extra_env)
    log_path = tmp_dir / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "parley", command, "--host", "127.0.0.1",
             "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    server = LiveServer(base_url, database_url, log_path, process)
    try:
        _wait_until_up(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Cluster:
    """The scale topology: several `parley serve` processes and a `parley worker`."""

    web: list[LiveServer]
    worker: subprocess.Popen[bytes]


@contextmanager
def run_cluster(tmp_dir: Path, database_url: str, redis_url: str, *, web_processes: int = 2,
                extra_env: dict[str, str] | None = None) -> Iterator[Cluster]:
    """Web processes and one worker sharing a database and Redis (a unique prefix per run,
    so parallel runs on one Redis never hear each other)."""
    extra = {**(extra_env or {}), "PARLEY_REDIS_URL": redis_url,
             "PARLEY_REDIS_PREFIX": f"t{secrets.token_hex(4)}"}
    with ExitStack() as stack:
        first = stack.enter_context(_serve(tmp_dir, database_url, extra, "serve"))
        # Every process must agree on the public URL; the first one's stands for all.
        extra["PARLEY_BASE_URL"] = first.base_url
        web = [first] + [stack.enter_context(_serve(tmp_dir, database_url, extra, "serve"))
                         for _ in range(web_processes - 1)]
        env = environment(tmp_dir, database_url, first.base_url, extra)
        log = stack.enter_context((tmp_dir / "worker.log").open("wb"))
        worker = subprocess.Popen([sys.executable, "-m", "parley", "worker"], env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            yield Cluster(web, worker)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
