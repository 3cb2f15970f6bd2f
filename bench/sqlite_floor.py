"""The floor of a write fan-out on SQLite, without Parley: bare sqlite3 inserts a planted
account's followers' home entries with the fan-out's own statement shape (INSERT ... SELECT
from follows, one transaction per batch of followers), and reports rows/s and CPU per row.
Compare with `bench.fanout_bench` on the same file: what Parley adds above the storage.

    python -m bench.sqlite_floor --db sqlite:///bench/results/parley-m.sqlite3 \
        --followers 100000 [--checkpoints sqlite|off] [--batch-size 5000] \
        [--wal as-is|cold|truncated] [--cold-db]

`--checkpoints off` leaves the WAL to another connection (as Parley's checkpoint thread
does; the checkpoint that follows is timed separately); `sqlite` lets SQLite checkpoint
inside the commits that grow the log past 1,000 pages. Each run adds one post's entries.

`--wal` sets the log's state before each fan-out: `cold` checkpoints it and drops the (still
full-sized) file from the page cache, as this VM's proactive reclaim does to a file idle for a
minute, so the fan-out overwrites pages that are no longer cached; `truncated` checkpoints and
truncates it, so the fan-out appends. `--cold-db` drops the database file's cached pages too.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import time

from bench.load import Destination, read_manifest

_FOLLOWERS = ("SELECT account_id FROM follows WHERE target_account_id = ? AND state = 'accepted' "
              "ORDER BY account_id")
_BATCH = ("INSERT INTO timeline_entries (owner_id, post_id, author_id) "
          "SELECT account_id, ?, ? FROM follows WHERE target_account_id = ? "
          "AND state = 'accepted' AND (? IS NULL OR account_id > ?) "
          "AND (? IS NULL OR account_id <= ?) ON CONFLICT DO NOTHING")


def fan_out(conn: sqlite3.Connection, author: int, batch_size: int) -> tuple[int, float, float]:
    """One post's entries for every follower; (rows, wall seconds, CPU seconds)."""
    followers = [row[0] for row in conn.execute(_FOLLOWERS, (author,))]
    bounds: list[int | None] = [*followers[batch_size - 1::batch_size], None]
    post_id = (int(time.time() * 1000) << 16) | random.randrange(1 << 16)
    wall, cpu = time.perf_counter(), time.process_time()
    lower: int | None = None
    for upper in bounds:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(_BATCH, (post_id, author, author, lower, lower, upper, upper))
        conn.execute("COMMIT")
        lower = upper
    return len(followers), time.perf_counter() - wall, time.process_time() - cpu


def drop_cached(path: str) -> None:
    """Write back and evict a file's pages from the page cache (what idle-page reclaim does)."""
    if not os.path.exists(path):
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def prepare(conn: sqlite3.Connection, path: str, wal: str, cold_db: bool) -> None:
    """Put the log (and the database's cache) in the state the run measures."""
    if wal == "cold":
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        drop_cached(path + "-wal")
    elif wal == "truncated":
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    if cold_db:
        drop_cached(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--followers", type=int, default=100_000,
                        help="Which planted celebrity posts (its follower count).")
    parser.add_argument("--checkpoints", choices=("sqlite", "off"), default="off")
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--wal", choices=("as-is", "cold", "truncated"), default="as-is")
    parser.add_argument("--cold-db", action="store_true")
    parser.add_argument("--journal-size-limit", type=int, default=-1,
                        help="Bytes the log is cut back to when it restarts (-1: never).")
    args = parser.parse_args()
    dest = Destination(args.db)
    author = int(read_manifest(dest)["celebrities"][str(args.followers)])
    path = str(dest.sqlite_path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"PRAGMA journal_size_limit={args.journal_size_limit:d}")
    if args.checkpoints == "off":
        conn.execute("PRAGMA wal_autocheckpoint=0")
    for _ in range(args.repeat):
        prepare(conn, path, args.wal, args.cold_db)
        wal_bytes = os.path.getsize(path + "-wal")
        rows, wall, cpu = fan_out(conn, author, args.batch_size)
        line = (f"{rows:,} rows in {wall:.2f} s: {rows / wall:,.0f} rows/s, "
                f"{cpu * 1e6 / rows:.1f} µs CPU per row (checkpoints: {args.checkpoints}; "
                f"log {args.wal}, {wal_bytes / 1e6:.0f} MB before, "
                f"{os.path.getsize(path + '-wal') / 1e6:.0f} MB after)")
        if args.checkpoints == "off":
            started = time.perf_counter()
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            line += f"; the checkpoint after it: {time.perf_counter() - started:.2f} s"
        print(line)
    conn.close()


if __name__ == "__main__":
    main()
