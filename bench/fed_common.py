"""What both federation benchmarks (bench/federation.py) share: the receiver process
(bench/fed_peers.py) started and read, Parley started to federate with loopback peers, the
database's default place, and how long anything is waited for."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.load import RESULTS, Destination
from bench.procs import (
    ROOT,
    Server,
    _env,
    _terminate,
    cpu_seconds,
    start_parley,
    start_worker,
)

AS_JSON = "application/activity+json"
INSECURE = "PARLEY_FEDERATION_INSECURE_PEERS"
LIMIT_S = 120  # the longest a post's delivery (or an inbound run) is waited for


@contextmanager
def peers(port: int, log_dir: Path, documents: dict[str, Any] | None = None
          ) -> Iterator[subprocess.Popen[bytes]]:
    """The receiver process (every loopback server), until the block ends."""
    log_dir.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, "-m", "bench.fed_peers", "--port", str(port)]
    if documents is not None:
        path = log_dir / "documents.json"
        path.write_text(json.dumps(documents))
        args += ["--documents", str(path)]
    with (log_dir / "peers.log").open("wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=_env(),
                                   cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/_stats", timeout=2)
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the receiver did not start; see {log_dir}") from None
                time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        process.wait(10)


@dataclass
class Parley:
    """Parley as a federation benchmark runs it: its web process, with the worker inside or
    in `parley worker` processes beside it; its CPU is theirs together."""

    web: Server
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.web.url

    def cpu(self) -> float:
        return self.web.cpu() + sum(cpu_seconds(worker.pid) for worker in self.workers)

    def stop(self) -> None:
        for worker in self.workers:
            _terminate(worker)
        self.web.stop()


def parley(dest: Destination, port: int, log_dir: Path, workers: int = 0) -> Parley:
    """Parley over the benchmark database, told that its peers are on plain HTTP and
    loopback addresses: `parley run` (the worker in the web process), or with `workers`,
    the web process and that many `parley worker` processes (scale mode)."""
    base_url = f"http://127.0.0.1:{port}"
    before = os.environ.get(INSECURE)
    os.environ[INSECURE] = "1"  # for the children only (procs passes it on): put back after
    try:
        server = Parley(start_parley(dest.url, port, base_url, log_dir, worker=workers == 0))
        server.workers = [start_worker(dest.url, log_dir, number=number, base_url=base_url)
                          for number in range(workers)]
        return server
    finally:
        if before is None:
            del os.environ[INSECURE]
        else:
            os.environ[INSECURE] = before


def default_destination(mode: str, db: str) -> Destination:
    return Destination(db or f"sqlite:///{RESULTS / f'federation-{mode}.sqlite3'}")


async def get_document(base_url: str, path: str) -> None:
    """GET an ActivityStreams document of Parley's (warming what it makes on first need)."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        (await client.get(path, headers={"accept": AS_JSON})).raise_for_status()


async def stats(client: httpx.AsyncClient) -> dict[str, Any]:
    found: dict[str, Any] = (await client.get("/_stats")).json()
    return found
