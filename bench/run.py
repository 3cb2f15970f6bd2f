"""One benchmark run against a loaded database: Parley and the floor app side by side, every
scenario, results written as JSON under bench/results/runs/."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from bench.delivery import DeliveryCounter, wait_jobs_idle
from bench.homecost import flat_scenario, growth_scenario
from bench.load import RESULTS, Destination, read_manifest
from bench.mediacost import media_scenario
from bench.ops import MIXES, OPS, Workload
from bench.procs import Server, start_floor, start_parley, start_worker
from bench.scenarios import BackendCpu, compose_by_audience, cpu_per_op, latency_curve, storm
from bench.soak import mix_capacity, soak

SCENARIOS = ("cpu", "flat", "growth", "curve", "compose", "storm", "media", "soak")


def say(message: str) -> None:
    """Progress on stderr: a full run takes a quarter of an hour."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class RunOptions:
    """How long and how hard each scenario pushes."""

    scenarios: tuple[str, ...] = SCENARIOS
    seconds: float = 10.0  # per wrk measurement
    connections: int = 16
    # Open-loop rates; empty: 25/50/75/100 % of the home20 throughput wrk measured.
    rates: tuple[float, ...] = ()
    curve_seconds: float = 15.0
    compose_rate: float = 0.5
    compose_seconds: float = 30.0
    storm_rate: float = 0.0  # 0: half the home20 throughput wrk measured
    storm_seconds: float = 60.0
    storm_every: float = 10.0
    soak_rate: float = 0.0  # 0: half the soak mix's capacity, measured first (soak.py)
    soak_seconds: float = 1800.0
    soak_window: float = 30.0
    soak_streams: int = 50
    separate_worker: bool = False
    # Scale mode: this many web processes on one port and `workers` separate `parley worker`
    # processes (implies separate_worker), events through Redis when redis_url is set.
    web_processes: int = 1
    workers: int = 0
    redis_url: str = ""
    # The same network with 10x fewer posts (the `growth` scenario; empty: skipped).
    growth_db: str = ""
    growth_port: int = 0  # its server's port (0: Parley's port + 2)
    label: str = ""
    calls_per_script: int = 2000
    warmup: float = 2.0  # seconds of wrk before each measured wrk run (0: none)
    ports: tuple[int, int] = (3100, 3101)  # Parley, floor
    cpu_ops: tuple[str, ...] = OPS
    extra: dict[str, Any] = field(default_factory=dict)


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"cpus": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "kernel": platform.release(), "load_before": os.getloadavg(), "code": _code()}


def _code() -> str:
    """The commit measured, and whether the tree had uncommitted changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True,
                              cwd=Path(__file__).parent).stdout.strip()

    changed = len(git("status", "--porcelain", "--untracked-files=no").splitlines())
    return f"{git('rev-parse', '--short', 'HEAD')}" + (f" + {changed} changed files"
                                                        if changed else "")


def db_stats(dest: Destination) -> dict[str, Any]:
    """Database size and bytes per timeline entry (table + its indexes)."""
    if dest.is_sqlite:
        import sqlite3

        conn = sqlite3.connect(dest.sqlite_path)
        try:
            entries = conn.execute("SELECT count(*) FROM timeline_entries").fetchone()[0]
            size = conn.execute("SELECT SUM(pgsize) FROM dbstat WHERE name = 'timeline_entries' "
                                "OR name IN (SELECT name FROM sqlite_master WHERE type='index' "
                                "AND tbl_name = 'timeline_entries')").fetchone()[0]
        finally:
            conn.close()
        total = sum(Path(f"{dest.sqlite_path}{s}").stat().st_size for s in ("", "-wal")
                    if Path(f"{dest.sqlite_path}{s}").exists())
    else:
        out = subprocess.run(
            ["psql", dest.url, "-Atc", "SELECT (SELECT count(*) FROM timeline_entries), "
             "pg_total_relation_size('timeline_entries'), pg_database_size(current_database())"],
            capture_output=True, text=True, check=True).stdout.strip().split("|")
        entries, size, total = (int(value) for value in out)
    return {"database_bytes": total, "timeline_entries": entries, "timeline_bytes": size,
            "bytes_per_entry": size / entries if entries else None}


async def _cpu_scenario(parley: Server, floor: Server, workload: Workload, dest: Destination,
                        opts: RunOptions, scratch: Path) -> dict[str, Any]:
    db = BackendCpu(dest.url)
    counter = DeliveryCounter(dest.url)
    out: dict[str, Any] = {"parley": {}, "floor": {}}
    wanted = [op for op in OPS if op in opts.cpu_ops]
    for op in [op for op in wanted if op != "compose"] + [op for op in wanted if op == "compose"]:
        say(f"cpu: {op}")
        calls = workload.sample(op, opts.calls_per_script)
        out["parley"][op] = await cpu_per_op(parley, calls, db, seconds=opts.seconds,
                                             connections=opts.connections, scratch=scratch,
                                             warmup=opts.warmup)
        if op == "compose":  # its fan-out is part of its cost: count it until it is done
            before = parley.cpu()
            await wait_jobs_idle(counter)
            drained = parley.cpu() - before
            requests = max(1, out["parley"][op]["requests"])
            out["parley"][op]["cpu_us_per_op"] += drained * 1e6 / requests
        if op in ("home20", "home40", "home_max_id"):
            out["floor"][op] = await cpu_per_op(floor, calls, db, seconds=opts.seconds,
                                                connections=opts.connections, scratch=scratch,
                                                warmup=opts.warmup)
    await counter.close()
    return out


async def _curve_scenario(parley: Server, floor: Server, workload: Workload,
                          opts: RunOptions) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, weights in [("home20", {"home20": 1}), *MIXES.items()]:
        say(f"curve: {name} at {opts.rates} req/s")
        out[name] = await latency_curve(parley, workload.mix(weights), list(opts.rates),
                                        seconds=opts.curve_seconds)
    out["floor home20"] = await latency_curve(floor, workload.mix({"home20": 1}),
                                              list(opts.rates), seconds=opts.curve_seconds)
    return out


async def _half_the_mix(parley: Server, workload: Workload, counter: DeliveryCounter,
                        opts: RunOptions, scratch: Path, results: dict[str, Any]) -> float:
    """Half the soak mix's measured capacity (kept in the results as `soak_capacity`)."""
    say("soak: measuring its mix's capacity")
    capacity = await mix_capacity(parley, workload, counter, seconds=opts.seconds,
                                  connections=opts.connections, scratch=scratch)
    results["soak_capacity"] = capacity
    return max(1.0, round(capacity["rps"] / 2, 1))


def _auto_rates(opts: RunOptions, results: dict[str, Any]) -> RunOptions:
    """Offered loads relative to what this machine sustains now (it is shared and noisy)."""
    home = results.get("cpu", {}).get("parley", {}).get("home20", {}).get("rps") or 20.0
    rates = opts.rates or tuple(max(1.0, round(home * share, 1)) for share in (0.25, 0.5, 0.75,
                                                                               1.0))
    return replace(opts, rates=rates, storm_rate=opts.storm_rate or max(1.0, round(home / 2, 1)))


async def _write_scenarios(parley: Server, workload: Workload, counter: DeliveryCounter,
                           opts: RunOptions, results: dict[str, Any]) -> None:
    """Compose by audience size, and the celebrity storm."""
    celebrities = workload.m["celebrities"]
    biggest, smallest = max(celebrities, key=int), min(celebrities, key=int)
    if "compose" in opts.scenarios:
        say("compose by audience")
        authors = {f"{k} followers": celebrities[k] for k in (biggest, smallest)}
        results["compose"] = await compose_by_audience(
            parley, workload, counter, authors, rate=opts.compose_rate,
            seconds=opts.compose_seconds)
    if "storm" in opts.scenarios:
        say("celebrity storm")
        results["storm"] = await storm(
            parley, workload, counter, celebrity=celebrities[biggest], followers=int(biggest),
            read_rate=opts.storm_rate, seconds=opts.storm_seconds, every=opts.storm_every)


async def _run(dest: Destination, opts: RunOptions, out_dir: Path) -> dict[str, Any]:
    manifest = read_manifest(dest)
    workload = Workload(manifest)
    db_url = dest.url
    logs = out_dir / "logs"
    worker_count = max(opts.workers, 1 if opts.separate_worker else 0)
    parley = start_parley(db_url, opts.ports[0], manifest["base_url"], logs,
                          worker=worker_count == 0, processes=opts.web_processes,
                          redis_url=opts.redis_url)
    workers = [start_worker(db_url, logs, redis_url=opts.redis_url, number=number)
               for number in range(worker_count)]
    parley.extra_pids.extend(worker.pid for worker in workers)
    floor = start_floor(db_url, opts.ports[1], manifest["base_url"], logs)
    results: dict[str, Any] = {"manifest": {k: v for k, v in manifest.items()
                                            if k not in ("active", "conversation_roots")},
                               "options": asdict(opts), "machine": machine(),
                               "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    counter = DeliveryCounter(db_url)
    try:
        if "cpu" in opts.scenarios:
            results["cpu"] = await _cpu_scenario(parley, floor, workload, dest, opts, logs)
        if "flat" in opts.scenarios:
            results["flat"] = await flat_scenario(parley, floor, workload, dest, opts, logs,
                                                  say)
        if "growth" in opts.scenarios and opts.growth_db:
            results["growth"] = await growth_scenario(parley, workload, dest,
                                                      Destination(opts.growth_db), opts, logs,
                                                      say)
        elif "growth" in opts.scenarios:
            say("growth: skipped (no database with 10x fewer posts: see `bench load --posts`)")
        if "media" in opts.scenarios:
            results["media"] = await media_scenario(parley, workload, dest, opts, logs, say)
        opts = _auto_rates(opts, results)
        results["options"] = asdict(opts)
        if "curve" in opts.scenarios:
            results["curve"] = await _curve_scenario(parley, floor, workload, opts)
        await _write_scenarios(parley, workload, counter, opts, results)
        if "soak" in opts.scenarios:
            rate = opts.soak_rate or await _half_the_mix(parley, workload, counter, opts,
                                                         logs, results)
            say(f"soak: {rate} req/s for {opts.soak_seconds:g} s")
            results["soak"] = await soak(parley, workload, rate=rate,
                                         seconds=opts.soak_seconds, window=opts.soak_window,
                                         streams=opts.soak_streams)
        results["memory_kb"] = {"parley": parley.memory(), "floor": floor.memory()}
    finally:
        await counter.close()
        parley.stop()
        floor.stop()
        for worker in workers:
            worker.terminate()
            worker.wait(20)
    results["database"] = db_stats(dest)
    results["machine"]["load_after"] = os.getloadavg()
    return results


def run_benchmark(dest: Destination, opts: RunOptions, results_dir: Path = RESULTS / "runs"
                  ) -> Path:
    """Run, write results.json in a fresh folder, and return the folder."""
    backend = "sqlite" if dest.is_sqlite else "postgresql"
    tier = read_manifest(dest)["tier"]
    suffix = f"-{opts.label}" if opts.label else ""
    name = f"{time.strftime('%Y%m%d-%H%M%S')}-{tier}-{backend}{suffix}"
    out_dir = results_dir / name
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        import uvloop

        results = uvloop.run(_run(dest, opts, out_dir))
    except ImportError:
        results = asyncio.run(_run(dest, opts, out_dir))
    results["backend"] = backend
    (out_dir / "results.json").write_text(json.dumps(results, indent=1, default=str))
    return out_dir
