"""`parley bench ...` / `python -m bench ...`: load a network, run the benchmark, report."""

from __future__ import annotations

import asyncio
import atexit
import json
import os
from pathlib import Path
from typing import Annotated

import typer

from bench.load import RESULTS, Destination, default_destination, load_network
from bench.tiers import Tier, tier_named

app = typer.Typer(help="Parley's benchmark harness (see docs/benchmarks.md).",
                  no_args_is_help=True, add_completion=False)

TierOpt = Annotated[str, typer.Option("--tier", help="XS, S, M or L.")]
BackendOpt = Annotated[str, typer.Option("--backend", help="sqlite or postgresql.")]
DbOpt = Annotated[str, typer.Option("--db", help="Database URL (default: per tier and "
                                                 "backend, under bench/results/).")]


def _destination(tier: str, backend: str, db: str, posts: int = 0) -> Destination:
    if db:
        return Destination(db)
    if backend not in ("sqlite", "postgresql"):
        raise typer.BadParameter("backend must be sqlite or postgresql")
    spec = tier_named(tier)
    return default_destination(spec.with_posts(posts) if posts else spec, backend)


def _already_loaded(dest: Destination, tier: Tier, seed: int) -> bool:
    try:
        manifest = json.loads(dest.manifest_path.read_text())
    except (OSError, ValueError):
        return False
    return bool(manifest.get("tier") == tier.name and manifest.get("seed") == seed
                and manifest.get("posts") == tier.posts)


def _claim_load(dest: Destination) -> None:
    """Refuse to load into a database another live `parley bench load` is filling."""
    lock = dest.manifest_path.with_suffix(".loading")
    lock.parent.mkdir(parents=True, exist_ok=True)
    try:
        pid = int(lock.read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        lock.write_text(str(os.getpid()))
        atexit.register(lambda: lock.unlink(missing_ok=True))
        return
    raise typer.BadParameter(f"process {pid} is loading {dest.url} right now; wait for it "
                             "or pass --db for a database of your own")


@app.command()
def load(tier: TierOpt = "S", backend: BackendOpt = "sqlite", db: DbOpt = "",
         seed: Annotated[int, typer.Option(help="Random seed of the network.")] = 1,
         posts: Annotated[int, typer.Option(help="Override the tier's post count.")] = 0,
         analyze: Annotated[bool | None, typer.Option(
             help="ANALYZE afterwards (default: on PostgreSQL only, as autovacuum would; a "
                  "SQLite Parley database never gets statistics).")] = None,
         force: Annotated[bool, typer.Option(
             help="Reload even if this database already holds this network.")] = False
         ) -> None:
    """Generate a tier's network and bulk-load it into a fresh, migrated database."""
    spec = tier_named(tier)
    if posts:
        spec = spec.with_posts(posts)
    dest = _destination(tier, backend, db, posts)
    if not force and _already_loaded(dest, spec, seed):
        # Several people share one machine: replacing a database someone is benchmarking
        # against would break their run. Servers migrate it to the current schema on start.
        typer.echo(f"{dest.url} already holds tier {spec.name} (seed {seed}); "
                   "--force reloads it.")
        return
    _claim_load(dest)
    manifest = asyncio.run(load_network(spec, dest, seed=seed, analyze=analyze))
    seconds = manifest["seconds"]
    typer.echo(f"Loaded tier {spec.name} into {dest.url} in {seconds['total']:.0f} s: "
               f"{manifest['accounts']:,} accounts, {manifest['follows']:,} follows, "
               f"{manifest['posts']:,} posts, {manifest['timeline_entries']:,} home entries.")
    typer.echo(f"Step seconds: {seconds}")


@app.command()
def run(tier: TierOpt = "S", backend: BackendOpt = "sqlite", db: DbOpt = "",
        scenarios: Annotated[str, typer.Option(
            help="Comma-separated: cpu, flat, growth, curve, compose, storm, media, soak.")]
        = "cpu,flat,growth,curve,compose,storm",
        growth_db: Annotated[str, typer.Option(
            help="The same network with 10x fewer posts, for `growth` (default: the tier's "
                 "`load --posts` database with a tenth of its posts, when loaded).")] = "",
        seconds: Annotated[float, typer.Option(help="Seconds per wrk measurement.")] = 10,
        connections: Annotated[int, typer.Option(help="wrk connections.")] = 4,
        rates: Annotated[str, typer.Option(
            help="Open-loop rates (req/s); default 25/50/75/100 % of home20's wrk rate.")] = "",
        curve_seconds: Annotated[float, typer.Option(help="Seconds per open-loop rate.")] = 15,
        compose_rate: float = 0.5, compose_seconds: float = 30.0,
        storm_rate: Annotated[float, typer.Option(
            help="Home reads/s in the storm; default half of home20's wrk rate.")] = 0,
        storm_seconds: float = 60.0, storm_every: float = 10.0,
        soak_rate: Annotated[float, typer.Option(
            help="Requests/s of the soak; default half its mix's measured capacity.")] = 0,
        soak_seconds: float = 1800.0, soak_window: float = 30.0, soak_streams: int = 50,
        separate_worker: Annotated[bool, typer.Option(
            help="Run `parley worker` as its own process (scale mode).")] = False,
        web_processes: Annotated[int, typer.Option(
            help="Web processes sharing the port (scale mode).")] = 1,
        workers: Annotated[int, typer.Option(
            help="Separate `parley worker` processes (scale mode).")] = 0,
        redis: Annotated[str, typer.Option(
            help="Redis URL for the broker (scale mode), e.g. redis://127.0.0.1:6379/0.")] = "",
        label: str = "",
        port: Annotated[int, typer.Option(
            help="Parley's port; the floor app takes the next one.")] = 3100) -> None:
    """Serve Parley and the floor app over a loaded database and run the scenarios."""
    from bench.run import RunOptions, run_benchmark

    opts = RunOptions(
        scenarios=tuple(s.strip() for s in scenarios.split(",") if s.strip()),
        seconds=seconds, connections=connections,
        rates=tuple(float(r) for r in rates.split(",") if r.strip()),
        curve_seconds=curve_seconds,
        compose_rate=compose_rate, compose_seconds=compose_seconds, storm_rate=storm_rate,
        storm_seconds=storm_seconds, storm_every=storm_every, soak_rate=soak_rate,
        soak_seconds=soak_seconds, soak_window=soak_window, soak_streams=soak_streams,
        separate_worker=separate_worker, web_processes=web_processes, workers=workers,
        redis_url=redis, label=label, ports=(port, port + 1))
    if not growth_db and not db:
        fewer = _destination(tier, backend, "", tier_named(tier).posts // 10)
        growth_db = fewer.url if fewer.manifest_path.exists() else ""
    opts.growth_db = growth_db
    out = run_benchmark(_destination(tier, backend, db), opts)
    typer.echo(f"Results in {out / 'results.json'}")


@app.command()
def faults(tier: TierOpt = "M", backend: BackendOpt = "sqlite", db: DbOpt = "",
           followers: Annotated[int, typer.Option(
               help="Which planted account posts (its follower count).")] = 100_000,
           kill: Annotated[list[str] | None, typer.Option(
               help="worker (a separate `parley worker`) or run (web and worker in one "
                    "process); repeat for both.")] = None,
           port: int = 3100) -> None:
    """SIGKILL in the middle of a large fan-out, then a restart: missing and duplicated
    home entries (see bench/faults.py)."""
    from bench.faults import run_faults

    kills = kill or ["worker", "run"]
    if not set(kills) <= {"worker", "run"}:
        raise typer.BadParameter("--kill is worker or run")
    out = run_faults(_destination(tier, backend, db), followers, kills, port=port)
    typer.echo(f"Results in {out / 'results.json'}")


@app.command()
def report(runs: Annotated[list[Path], typer.Argument(help="Run folders (bench/results/runs/).")],
           out: Annotated[Path, typer.Option(help="Markdown file to write.")]
           = RESULTS / "report.md",
           images: Annotated[Path, typer.Option(help="Folder for the PNG plots.")]
           = Path("docs/benchmarks")) -> None:
    """Render runs as markdown (tables, targets met or not) with PNG plots."""
    from bench.report import render

    sections = [render(run_dir, images, run_dir.name.split("-", 2)[-1].lower())
                for run_dir in runs]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n\n".join(sections) + "\n")
    typer.echo(f"Wrote {out}")


@app.command()
def floor(db: Annotated[str, typer.Option(help="Database URL.")],
          port: int = 3101) -> None:
    """Serve the floor app alone (for poking at it by hand)."""
    import sys

    from bench import floor_app

    sys.argv = ["floor_app", "--db", db, "--port", str(port)]
    floor_app.main()


def main() -> None:
    app()
