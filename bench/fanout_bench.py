"""Fan-out rate without HTTP: a planted account posts on a loaded benchmark database and its
fan-out jobs run in this process until none are left; reports wall time, deliveries/s and
CPU-µs per delivery (process CPU: on SQLite the database works in this process too).

    python -m bench.fanout_bench --db sqlite:///bench/results/parley-s.sqlite3 \
        --followers 10000 --repeat 3 [--workers 4] [--batch-size 2000]

PARLEY_BROADCAST_THRESHOLD applies as in Parley (0: hybrid fan-out off).

On SQLite, `--cold log` waits for the checkpoint thread before each post, then evicts the
log file from the page cache, as this VM's kernel does to files idle for a minute; `--cold all`
evicts the database file too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from typing import Any

from sqlalchemy import text

from bench.load import Destination, read_manifest
from bench.sqlite_floor import drop_cached
from parley.config import Settings
from parley.domains import new_worker
from parley.jobs.queue import enqueue
from parley.lib.ids import new_id
from parley.models import Post  # every table registered: a flush resolves foreign keys
from parley.store.database import Database
from parley.store.dialect import engine_url
from parley.timelines.jobs import FANOUT_POST, FanoutPost

_DELIVERED = text(
    "SELECT count(*) FROM follows f JOIN timeline_entries t ON t.owner_id = f.account_id "
    "AND t.post_id = :post WHERE f.target_account_id = :author AND f.state = 'accepted'")


async def _post(db: Database, author: int) -> int:
    post_id = new_id()
    async with db.write() as session:
        session.add(Post(id=post_id, account_id=author, uri=f"https://bench.test/p/{post_id}",
                         visibility="public", thread_id=post_id, text="fan-out bench"))
        await session.flush()
        await enqueue(session, FANOUT_POST, FanoutPost(post_id))
    return post_id


async def fan_out_once(db: Database, settings: Settings, author: int, workers: int
                       ) -> dict[str, Any]:
    """One post, all its jobs run by `workers` in-process workers side by side."""
    post_id = await _post(db, author)
    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(new_worker(db, settings).drain() for _ in range(workers)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    async with db.read() as session:
        delivered = int(await session.scalar(_DELIVERED, {"post": post_id, "author": author})
                        or 0)
    return {"post_id": post_id, "delivered": delivered, "seconds": round(wall, 4),
            "deliveries_per_s": round(delivered / wall) if wall else None,
            "cpu_us_per_delivery": round(cpu * 1e6 / delivered, 2) if delivered else None}


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    manifest = read_manifest(Destination(args.db))
    author = int(manifest["celebrities"][str(args.followers)])
    overrides: dict[str, Any] = {"database_url": engine_url(args.db)}
    if args.batch_size:
        overrides["fanout_batch_size"] = args.batch_size
    settings = Settings(**overrides)
    db = Database(settings.resolved_database_url)
    runs = []
    try:
        for _ in range(args.repeat):
            if args.cold and db.sqlite_path:
                await asyncio.sleep(2.5)  # the checkpoint thread runs once a second
                drop_cached(db.sqlite_path + "-wal")
                if args.cold == "all":
                    drop_cached(db.sqlite_path)
            runs.append(await fan_out_once(db, settings, author, args.workers))
    finally:
        await db.dispose()
    rates = [r["deliveries_per_s"] for r in runs if r["deliveries_per_s"]]
    cpus = [r["cpu_us_per_delivery"] for r in runs if r["cpu_us_per_delivery"]]
    return {"followers": args.followers, "workers": args.workers,
            "batch_size": settings.fanout_batch_size,
            "broadcast_threshold": getattr(settings, "broadcast_threshold", None),
            "median_deliveries_per_s": statistics.median(rates) if rates else None,
            "median_cpu_us_per_delivery": statistics.median(cpus) if cpus else None,
            "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--followers", type=int, default=10_000,
                        help="Which planted celebrity posts (its follower count).")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=0)
    parser.add_argument("--cold", choices=("log", "all"),
                        help="SQLite: evict the log (and the database) from the page cache first.")
    print(json.dumps(asyncio.run(main_async(parser.parse_args())), indent=1))


if __name__ == "__main__":
    main()
