"""Faults, measured (`parley bench faults`): a planted account with N followers posts on a
loaded benchmark database, the process running its fan-out is killed with SIGKILL part-way
(a separate `parley worker`, or the single web-and-worker process), a new one is started,
and once the queue is empty the post's home entries are counted: missing and duplicated
entries (both must be 0), how far the fan-out had got at the kill and how long the rest
took. The hybrid fan-out is turned off, so a 100,000-follower post is written into every
home. Results are written as JSON under bench/results/faults/.

    parley bench faults --tier M --followers 100000 --kill worker --kill run
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from bench.delivery import DeliveryCounter
from bench.load import RESULTS, Destination, read_manifest
from bench.procs import start_parley, start_worker
from parley.config import Settings
from parley.jobs.queue import enqueue
from parley.lib.ids import new_id
from parley.models import Post  # every table registered: a flush resolves foreign keys
from parley.store.database import Database
from parley.store.dialect import engine_url
from parley.timelines.jobs import FANOUT_POST, FanoutPost

_PENDING = ("SELECT count(*) FROM jobs WHERE kind = 'fanout_post' "
            "AND CAST(payload AS TEXT) LIKE '%{post}%'")
# Kills of one kind tried until one lands while the fan-out is under way.
ATTEMPTS = 3
_DUPLICATES = ("SELECT count(*) - count(DISTINCT owner_id) FROM timeline_entries "
               "WHERE post_id = {post}")


async def _post(url: str, author: int) -> int:
    """A post and its fan-out job, committed together as compose does."""
    db = Database(engine_url(url))
    post_id = new_id()
    try:
        async with db.write() as session:
            session.add(Post(id=post_id, account_id=author, uri=f"https://bench.test/p/{post_id}",
                             visibility="public", thread_id=post_id, text="kill me midway"))
            await session.flush()
            await enqueue(session, FANOUT_POST, FanoutPost(post_id))
    finally:
        await db.dispose()
    return post_id


def _start(kind: str, dest: Destination, manifest: dict[str, Any], logs: Path, port: int,
           attempt: int) -> subprocess.Popen[bytes]:
    if kind == "worker":
        return start_worker(dest.url, logs, number=attempt)
    return start_parley(dest.url, port, manifest["base_url"], logs, worker=True,
                        name=f"parley-{attempt}").process


async def _wait_pending(counter: DeliveryCounter, post_id: int, limit_s: float) -> bool:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if not int(await counter.scalar(_PENDING.format(post=post_id))):
            return True
        await asyncio.sleep(0.2)
    return False


async def kill_mid_fanout(dest: Destination, followers: int, kill: str, logs: Path, *,
                          at: float = 0.1, port: int = 3100, limit_s: float = 1800
                          ) -> dict[str, Any]:
    """One post of the account with `followers` followers; its fan-out's process (`kill`:
    "worker" or "run") is killed once about `at` of the homes have the post."""
    manifest = read_manifest(dest)
    author = int(manifest["celebrities"][str(followers)])
    counter = DeliveryCounter(dest.url)
    first = _start(kind=kill, dest=dest, manifest=manifest, logs=logs, port=port, attempt=0)
    second: subprocess.Popen[bytes] | None = None
    try:
        await counter.estimate(0, author, followers + 1)  # its sample of followers, read now
        post_id = await _post(dest.url, author)
        began = time.monotonic()
        while time.monotonic() - began < limit_s:
            # A sample, not the exact count: counting 100,000 homes takes longer than
            # PostgreSQL takes to write them all, so the kill would land after the end.
            if await counter.estimate(post_id, author, followers + 1) >= followers * at:
                break
            await asyncio.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        first.wait()
        killed_after = time.monotonic() - began
        at_kill = await counter.count(post_id, author)  # what the dead process committed
        restarted = time.monotonic()
        second = _start(kind=kill, dest=dest, manifest=manifest, logs=logs, port=port,
                        attempt=1)
        finished = await _wait_pending(counter, post_id, limit_s)
        recovered_s = time.monotonic() - restarted
        delivered = await counter.count(post_id, author)
        duplicates = int(await counter.scalar(_DUPLICATES.format(post=post_id)))
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(30)
        await counter.close()
    return {"kill": kill, "followers": followers, "post_id": post_id,
            "entries_at_kill": at_kill, "killed_after_s": round(killed_after, 2),
            "finished": finished, "rest_took_s": round(recovered_s, 2),
            "expected": followers + 1, "delivered": delivered,
            "landed_mid_fanout": at_kill < followers + 1,
            "missing": followers + 1 - delivered, "duplicated": duplicates}


def run_faults(dest: Destination, followers: int, kills: list[str], *, port: int = 3100,
               results_dir: Path = RESULTS / "faults") -> Path:
    """Each kill in turn; results.json in a fresh folder, which is returned."""
    os.environ["PARLEY_BROADCAST_THRESHOLD"] = "0"  # every follower's home is written
    backend = "sqlite" if dest.is_sqlite else "postgresql"
    out_dir = results_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-{backend}-{followers}"
    logs = out_dir / "logs"
    logs.mkdir(parents=True)
    settings = Settings(database_url=engine_url(dest.url))
    results: dict[str, Any] = {"backend": backend, "tier": read_manifest(dest)["tier"],
                               "fanout_batch_size": settings.fanout_batch_size, "runs": []}
    for kill in kills:
        for _ in range(ATTEMPTS):  # a fan-out may finish before the kill lands: again
            run = asyncio.run(kill_mid_fanout(dest, followers, kill, logs, port=port))
            results["runs"].append(run)
            print(json.dumps(run), flush=True)
            if run["landed_mid_fanout"]:
                break
    (out_dir / "results.json").write_text(json.dumps(results, indent=1))
    return out_dir
