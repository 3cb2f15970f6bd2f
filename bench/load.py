"""Loads a synthetic network into a fresh, migrated Parley database, with a progress bar.

Home timelines of the active accounts are precomputed set-based with the fan-out job's rules
(the author's own posts; followed authors' public/unlisted/private posts; a reply to someone
else only for those who follow that person too), newest `home_cap` entries per home. Accounts
over the broadcast threshold go into broadcast_accounts and stay out of the homes (hybrid
fan-out: home reads merge their posts).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import JSON, DateTime
from sqlalchemy.sql.schema import CallableColumnDefault, ScalarElementColumnDefault

from bench.graph import Graph, generate
from bench.rows import BENCH_PASSWORD, RowBuilder, Table
from bench.targets import PostgresTarget, SqliteTarget, recreate_pg_database
from bench.tiers import Tier

RESULTS = Path(__file__).parent / "results"
DEFAULT_BASE_URL = "http://127.0.0.1:3100"
BULK_TABLES = ("accounts", "users", "follows", "posts", "mentions", "notifications",
               "timeline_entries", "oauth_access_tokens")
OWNER_BATCH = 100

HOME_SQL = """
INSERT INTO timeline_entries (owner_id, post_id, author_id)
SELECT owner_id, post_id, author_id FROM (
  SELECT c.owner_id, c.post_id, c.author_id,
         ROW_NUMBER() OVER (PARTITION BY c.owner_id ORDER BY c.post_id DESC) AS rn
  FROM (
    SELECT f.account_id AS owner_id, p.id AS post_id, p.account_id AS author_id
    FROM follows f JOIN posts p ON p.account_id = f.target_account_id
    WHERE f.account_id IN ({owners}) AND f.state = 'accepted'
      AND (p.in_reply_to_account_id IS NULL OR p.in_reply_to_account_id = p.account_id
           OR p.in_reply_to_account_id = f.account_id
           OR EXISTS (SELECT 1 FROM follows f2 WHERE f2.account_id = f.account_id
                      AND f2.target_account_id = p.in_reply_to_account_id
                      AND f2.state = 'accepted'))
      AND f.target_account_id NOT IN (SELECT account_id FROM broadcast_accounts)
    UNION ALL
    SELECT p.account_id, p.id, p.account_id FROM posts p
    WHERE p.account_id IN ({owners})
  ) c
) ranked WHERE rn <= {cap}
"""
# Accounts over the hybrid fan-out threshold (what a worker records on start): their posts
# are merged by home reads, so the precomputed homes leave them out.
BROADCAST_SQL = """
INSERT INTO broadcast_accounts (account_id, created_at)
SELECT id, CURRENT_TIMESTAMP FROM accounts WHERE followers_count >= {threshold}
"""


@dataclass(frozen=True)
class Destination:
    """Where a benchmark database lives: a SQLite file or a PostgreSQL database."""

    url: str  # sqlite:///path or postgresql://user@host:port/name

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path:
        return Path(self.url.split("///", 1)[1])

    @property
    def pg_name(self) -> str:
        return urlsplit(self.url).path.lstrip("/")

    def admin_dsn(self) -> str:
        parts = urlsplit(self.url)
        return urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))

    @property
    def manifest_path(self) -> Path:
        if self.is_sqlite:
            return self.sqlite_path.with_suffix(".manifest.json")
        return RESULTS / f"pg-{self.pg_name}.manifest.json"


def default_destination(tier: Tier, backend: str) -> Destination:
    """Where a tier loads by default; a tier loaded with another post count than its own
    (`load --posts`) gets a database of its own, e.g. parley-m-posts100000."""
    from bench.tiers import TIERS

    name = tier.name.lower()
    if tier.posts != TIERS[tier.name].posts:
        name += f"-posts{tier.posts}"
    if backend == "sqlite":
        return Destination(f"sqlite:///{RESULTS / f'parley-{name}.sqlite3'}")
    return Destination(f"postgresql://postgres@127.0.0.1:5432/parley_bench_{name}")


def _migrate(dest: Destination) -> None:
    from parley.store.dialect import engine_url
    from parley.store.migrate import migrate

    migrate(engine_url(dest.url))


def _remove_sqlite(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def _open(dest: Destination) -> SqliteTarget | PostgresTarget:
    if dest.is_sqlite:
        _remove_sqlite(dest.sqlite_path)
    else:
        await recreate_pg_database(dest.admin_dsn(), dest.pg_name)
    await asyncio.to_thread(_migrate, dest)
    if dest.is_sqlite:
        return SqliteTarget(dest.sqlite_path)
    return await PostgresTarget.connect(dest.url)


def _missing_columns(table: Table, stamp: Any) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """Columns the schema has and the row builder does not know: their defaults, so that the
    loader keeps working while the schema grows (a NOT NULL column without a default fails)."""
    from parley.models import metadata

    names: list[str] = []
    values: list[Any] = []
    for column in metadata.tables[table.name].columns:
        if column.name in table.columns:
            continue
        default = column.default
        if isinstance(default, ScalarElementColumnDefault):
            value: Any = default.arg
        elif isinstance(default, CallableColumnDefault):
            if isinstance(column.type, DateTime):
                value = stamp([int(time.time() * 1000)])[0]  # utcnow-style defaults
            else:  # e.g. JSON `list`: the value the ORM would write, as the loader writes JSON
                made = default.arg(cast(Any, None))  # no-argument callable, context-wrapped
                value = json.dumps(made) if isinstance(column.type, JSON) else made
        elif column.nullable:
            continue
        else:
            raise RuntimeError(f"bench does not know how to fill {table.name}.{column.name}")
        names.append(column.name)
        values.append(value)
    return tuple(names), tuple(values)


async def _write_tables(target: SqliteTarget | PostgresTarget, tables: list[Table],
                        progress: Progress) -> dict[str, float]:
    seconds: dict[str, float] = {}
    for table in tables:
        task = progress.add_task(table.name, total=table.count)
        started = time.perf_counter()
        extra_names, extra_values = _missing_columns(table, target.stamp)
        for rows in table.rows():
            if extra_names:
                rows = [row + extra_values for row in rows]
            await target.insert(table.name, table.columns + extra_names, rows)
            progress.advance(task, len(rows))
        seconds[table.name] = round(time.perf_counter() - started, 2)
    return seconds


async def _precompute_homes(target: SqliteTarget | PostgresTarget, graph: Graph,
                            progress: Progress) -> None:
    owners = sorted(int(graph.account_ids[i]) for i in graph.active)
    task = progress.add_task("home timelines", total=len(owners))
    for start in range(0, len(owners), OWNER_BATCH):
        batch = owners[start:start + OWNER_BATCH]
        listed = ",".join(map(str, batch))
        await target.execute(HOME_SQL.format(owners=listed, cap=graph.tier.home_cap))
        progress.advance(task, len(batch))


async def _record_broadcast(target: SqliteTarget | PostgresTarget) -> None:
    from parley.config import Settings

    threshold = Settings().broadcast_threshold  # PARLEY_BROADCAST_THRESHOLD, as Parley reads it
    if threshold > 0:
        await target.execute(BROADCAST_SQL.format(threshold=int(threshold)))


def _manifest(graph: Graph, dest: Destination, base_url: str, seconds: dict[str, Any]
              ) -> dict[str, Any]:
    ids = graph.account_ids
    return {
        "tier": graph.tier.name, "seed": graph.seed, "database": dest.url, "base_url": base_url,
        "tier_spec": dict(vars(graph.tier)),
        "accounts": graph.accounts, "follows": len(graph.follow_src),
        "posts": len(graph.post_ids), "mentions": len(graph.mention_post),
        "celebrities": {str(f): int(ids[i]) for f, i in graph.celebrities.items()},
        "probes": {str(k): int(ids[i]) for k, i in graph.probes.items()},
        "active": [int(ids[i]) for i in graph.active],
        "conversation_roots": [int(graph.post_ids[i]) for i in graph.conversation_roots],
        "seconds": seconds,
    }


async def load_network(tier: Tier, dest: Destination, *, seed: int = 1,
                       base_url: str = DEFAULT_BASE_URL, analyze: bool | None = None,
                       quiet: bool = False) -> dict[str, Any]:
    """Generate, load, index and precompute; returns (and writes) the manifest."""
    from parley.accounts.passwords import hash_password

    started = time.perf_counter()
    graph = generate(tier, seed)
    target = await _open(dest)
    migrated = time.perf_counter()
    builder = RowBuilder(graph, base_url, target.stamp, hash_password(BENCH_PASSWORD))
    columns = (TextColumn("{task.description:>20}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, disable=quiet) as progress:
        await target.drop_indexes(BULK_TABLES)
        seconds: dict[str, Any] = await _write_tables(target, builder.tables(), progress)
        index_started = time.perf_counter()
        await target.create_indexes()
        seconds["indexes"] = round(time.perf_counter() - index_started, 2)
        await target.drop_indexes(["timeline_entries"])
        await target.prepare_for_queries()
        home_started = time.perf_counter()
        await _record_broadcast(target)
        await _precompute_homes(target, graph, progress)
        await target.create_indexes()
        seconds["home_timelines"] = round(time.perf_counter() - home_started, 2)
    if analyze if analyze is not None else not dest.is_sqlite:
        await target.analyze()
    entries = await target.scalar("SELECT count(*) FROM timeline_entries")
    broadcast = await target.scalar("SELECT count(*) FROM broadcast_accounts")
    await target.close()
    seconds.update(generate=round(graph.timings["generate_s"], 2),
                   migrate=round(migrated - started - graph.timings["generate_s"], 2),
                   total=round(time.perf_counter() - started, 2))
    manifest = _manifest(graph, dest, base_url, seconds)
    manifest["timeline_entries"] = int(entries)
    manifest["broadcast_accounts"] = int(broadcast)
    dest.manifest_path.parent.mkdir(parents=True, exist_ok=True)
    dest.manifest_path.write_text(json.dumps(manifest, indent=1))
    return manifest


def read_manifest(dest: Destination) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(dest.manifest_path.read_text())
    return loaded
