"""Home page cost as the network grows: against the viewer's followees (`flat`: the planted
probes, 10 ... 20,000 followees) and against the total number of posts (`growth`: the same
network loaded with 10x fewer posts, served side by side). Both interleave their
measurements in rounds, so that the machine's drift over minutes spreads over every row
instead of landing on one."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.delivery import DeliveryCounter
from bench.load import Destination as Dest
from bench.load import read_manifest
from bench.ops import Workload
from bench.procs import Server, start_parley
from bench.scenarios import BackendCpu, cpu_per_op

Say = Callable[[str], None]
# How many interleaved rounds each row's measurement is split into.
ROUNDS = 3
# The shortest slice of wrk worth measuring (its warm-up is separate).
MIN_SLICE_S = 3.0
# `growth` compares whole pages: viewers whose homes hold at least this many entries.
PAGE = 20
GROWTH_VIEWERS = 200


def pooled(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Several wrk measurements of one row as one: CPU per request over all their requests
    (a request-weighted mean), throughput and latency of the median slice."""
    requests = sum(p["requests"] for p in parts)
    cpu_us = sum(p["cpu_us_per_op"] * p["requests"] for p in parts) / max(1, requests)
    db_us = sum(p["db_cpu_us_per_op"] * p["requests"] for p in parts) / max(1, requests)
    middle = sorted(parts, key=lambda p: p["cpu_us_per_op"])[len(parts) // 2]
    return {**middle, "requests": requests, "cpu_us_per_op": cpu_us, "db_cpu_us_per_op": db_us,
            "slices_cpu_us": [p["cpu_us_per_op"] for p in parts]}


async def interleaved(rows: dict[str, Callable[[float, float], Awaitable[dict[str, Any]]]],
                      seconds: float, say: Say) -> dict[str, dict[str, Any]]:
    """Measure every row in ROUNDS rounds (row A, B, ..., then A, B, ... again), each slice
    seconds / ROUNDS long (at least MIN_SLICE_S), warm-up in the first round only."""
    rounds = max(1, min(ROUNDS, int(seconds // MIN_SLICE_S)))
    slices: dict[str, list[dict[str, Any]]] = {name: [] for name in rows}
    for round_ in range(rounds):
        for name, measure in rows.items():
            say(f"{name} (round {round_ + 1} of {rounds})")
            slices[name].append(await measure(seconds / rounds, 2.0 if round_ == 0 else 0.0))
    return {name: pooled(parts) for name, parts in slices.items()}


async def flat_scenario(parley: Server, floor: Server, workload: Workload, dest: Dest,
                        opts: Any, scratch: Path, say: Say) -> dict[str, Any]:
    """Home page cost for viewers following 10 ... 20,000 accounts."""
    db = BackendCpu(dest.url)

    def measure(server: Server, account: int) -> Callable[[float, float],
                                                           Awaitable[dict[str, Any]]]:
        calls = workload.sample("home20", 50, viewer=account)

        async def run(seconds: float, warmup: float) -> dict[str, Any]:
            return await cpu_per_op(server, calls, db, seconds=seconds,
                                    connections=opts.connections, scratch=scratch, warmup=warmup)
        return run

    probes = sorted(workload.m["probes"].items(), key=lambda kv: int(kv[0]))
    rows = {}
    for followees, account in probes:
        rows[f"flat: home20 following {followees}"] = measure(parley, account)
        rows[f"flat: floor home20 following {followees}"] = measure(floor, account)
    measured = await interleaved(rows, opts.seconds, say)
    return {followees: {"parley": measured[f"flat: home20 following {followees}"],
                        "floor": measured[f"flat: floor home20 following {followees}"]}
            for followees, _ in probes}


async def full_page_viewers(databases: list[DeliveryCounter], viewers: list[list[int]]
                            ) -> list[int]:
    """Up to GROWTH_VIEWERS positions in the viewer lists (the same users in each network)
    whose home holds a whole page in every database. With a tenth of the posts, many homes
    hold fewer than 20 entries (16 rows a page on average in tier M), and a shorter page is
    cheaper: it would flatter the smaller network."""
    order = list(range(len(viewers[0])))
    random.Random(7).shuffle(order)
    found: list[int] = []
    for i in order:
        for db, accounts in zip(databases, viewers, strict=True):
            held = await db.scalar(f"SELECT count(*) FROM (SELECT 1 FROM timeline_entries "
                                   f"WHERE owner_id = {int(accounts[i])} LIMIT {PAGE}) AS page")
            if int(held) < PAGE:
                break
        else:
            found.append(i)
            if len(found) == GROWTH_VIEWERS:
                break
    if not found:
        raise RuntimeError("no viewer has a whole home page in both networks")
    return found


async def growth_scenario(parley: Server, workload: Workload, dest: Dest, growth: Dest,
                          opts: Any, scratch: Path, say: Say) -> dict[str, Any]:
    """Home page cost on this database against the same network with 10x fewer posts
    (`growth`, loaded with `parley bench load --posts`), served by a second Parley side by
    side: the same viewers (the same seed picks the same active users), each with a whole
    page in both."""
    small_manifest = read_manifest(growth)
    small = start_parley(growth.url, opts.growth_port or opts.ports[0] + 2,
                         small_manifest["base_url"], scratch, name="parley-growth")
    try:
        db = BackendCpu(dest.url)
        small_db = BackendCpu(growth.url)
        small_workload = Workload(small_manifest)
        counters = [DeliveryCounter(dest.url), DeliveryCounter(growth.url)]
        try:
            viewers = await full_page_viewers(
                counters, [workload.regular_active, small_workload.regular_active])
        finally:
            for counter in counters:
                await counter.close()
        picked = random.Random(7).choices(viewers, k=opts.calls_per_script)
        big_calls = [workload.call("home20", workload.regular_active[i]) for i in picked]
        small_calls = [small_workload.call("home20", small_workload.regular_active[i])
                       for i in picked]

        def measure(server: Server, calls: list[Any], backend: BackendCpu
                    ) -> Callable[[float, float], Awaitable[dict[str, Any]]]:
            async def run(seconds: float, warmup: float) -> dict[str, Any]:
                return await cpu_per_op(server, calls, backend, seconds=seconds,
                                        connections=opts.connections, scratch=scratch,
                                        warmup=warmup)
            return run

        measured = await interleaved({
            "growth: home20, all posts": measure(parley, big_calls, db),
            "growth: home20, 10x fewer posts": measure(small, small_calls, small_db),
        }, opts.seconds, say)
    finally:
        small.stop()
    return {"posts": workload.m["posts"], "fewer_posts": small_manifest["posts"],
            "home20": measured["growth: home20, all posts"],
            "home20_fewer_posts": measured["growth: home20, 10x fewer posts"]}
