"""The floor of a write fan-out on SQLite, without Parley: bare sqlite3 inserts a planted
account's followers' home entries with the fan-out's own statement shape (INSERT ... SELECT
from follows, one transaction per batch of followers), and reports rows/s and CPU per row.
Compare with `bench.fanout_bench` on the same file: what Parley adds above the storage.

    python -m bench.sqlite_floor --db sqlite:///bench/results/parley-m.sqlite3 \
        --followers 100000 [--checkpoints sqlite|off] [--batch-size 5000]

`--checkpoints off` leaves the WAL to another connection (as Parley's checkpoint thread
does; the checkpoint that follows is timed separately); `sqlite` lets SQLite checkpoint
inside the commits that grow the log past 1,000 pages. Each run adds one post's entries.
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--followers", type=int, default=100_000,
                        help="Which planted celebrity posts (its follower count).")
    parser.add_argument("--checkpoints", choices=("sqlite", "off"), default="off")
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    dest = Destination(args.db)
    author = int(read_manifest(dest)["celebrities"][str(args.followers)])
    conn = sqlite3.connect(dest.sqlite_path, isolation_level=None)
    conn.execute("PRAGMA synchronous=NORMAL")
    if args.checkpoints == "off":
        conn.execute("PRAGMA wal_autocheckpoint=0")
    for _ in range(args.repeat):
        rows, wall, cpu = fan_out(conn, author, args.batch_size)
        line = (f"{rows:,} rows in {wall:.2f} s: {rows / wall:,.0f} rows/s, "
                f"{cpu * 1e6 / rows:.1f} µs CPU per row (checkpoints: {args.checkpoints})")
        if args.checkpoints == "off":
            started = time.perf_counter()
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            line += f"; the checkpoint after it: {time.perf_counter() - started:.2f} s"
        print(line)
    conn.close()


if __name__ == "__main__":
    main()
