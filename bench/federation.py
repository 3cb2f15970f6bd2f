"""Federation benchmarks (issue 15): what delivering a post to many servers and taking in
many signed activities cost, beside the bare cost of one RSA-2048 signature.

    python -m bench.federation outbound [--db URL] [--followers 10000] [--servers 1000]
                                        [--posts 3] [--personal-inboxes] [--workers N]
    python -m bench.federation inbound [--db URL] [--activities 3000] [--connections 16]
                                       [--workers N]

outbound: one Parley process (bench/parley_server.py: what `parley run` serves, web and
worker in one process, without the access log like every benchmark here) whose account has
`--followers` remote followers on `--servers` servers, all of them one receiver process
(bench/fed_peers.py) answering on every loopback address: server k is 127.0.x.y:PORT. The
followers are bulk-loaded (bench/fed_seed.py); then the account posts through the API,
`--posts` times, and for each post: the time until every inbox had it (one shared inbox per
server, or with --personal-inboxes each follower's own), deliveries per second, and the
Parley process's CPU seconds per delivery (and its share of one core: near 1, the one
process is the limit). The first post pays for first connections and renders; take the
median. With --workers N the jobs run in N `parley worker` processes beside the web process
(scale mode) instead, and the CPU counted is all of theirs.

inbound: see bench/fed_inbound.py. Both end with the bare RSA-2048 sign and verify of
`cryptography` measured in the same run (bench/federation_crypto.py), and write their JSON
to bench/results/federation-<mode>-<sqlite|postgresql>.json. --db takes sqlite:///path or
postgresql://...; the database is dropped and made anew. Only loopback addresses are used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.delivery import DeliveryCounter, wait_jobs_idle
from bench.fed_common import (
    LIMIT_S,
    Parley,
    default_destination,
    get_document,
    parley,
    peers,
    stats,
)
from bench.fed_inbound import inbound
from bench.fed_seed import followers, seed
from bench.load import RESULTS
from bench.procs import cpu_seconds


def crypto_baseline() -> dict[str, float]:
    """µs per bare RSA-2048 sign and verify (and Parley's own sign and check around them),
    measured here and now, on the same loaded or idle machine as the run."""
    from bench.federation_crypto import key_pair, measures, per_call_us
    from parley.lib.timefmt import utcnow

    private_pem, public_pem = key_pair()
    return per_call_us(measures(private_pem, public_pem, utcnow()), rounds=3, calls=100)


async def one_post(parley_server: Parley, peers_url: str, token: str, expected: int,
                   number: int, counter: DeliveryCounter, peer_pid: int) -> dict[str, Any]:
    """Post once; wait until `expected` inboxes had it and the jobs are done."""
    async with httpx.AsyncClient(base_url=peers_url, timeout=10) as receiver, \
            httpx.AsyncClient(base_url=parley_server.url, timeout=30) as api:
        await receiver.get("/_reset")
        cpu, peer_cpu = parley_server.cpu(), cpu_seconds(peer_pid)
        started = time.time()
        answer = await api.post("/api/v1/statuses", json={"status": f"Benchmark post {number}"},
                                headers={"Authorization": f"Bearer {token}"})
        answer.raise_for_status()
        seen: dict[str, Any] = {}
        while time.time() - started < LIMIT_S:
            seen = await stats(receiver)
            if seen["inboxes"] >= expected:
                break
            await asyncio.sleep(0.02)
        await wait_jobs_idle(counter, LIMIT_S)
        used, wall = parley_server.cpu() - cpu, time.time() - started
        seen = await stats(receiver)
    full = seen["last"] - started if seen["inboxes"] >= expected else None
    return {
        "post": number, "inboxes": seen["inboxes"], "servers": seen["hosts"],
        "requests": seen["requests"], "signed": seen["signed"], "bytes": seen["bytes"],
        "first_s": round(seen["first"] - started, 3) if seen["first"] else None,
        "full_delivery_s": round(full, 3) if full else None,
        "deliveries_per_s": round(seen["inboxes"] / full) if full else None,
        "parley_cpu_s": round(used, 3),
        "parley_cpu_ms_per_delivery": round(1000 * used / max(1, seen["requests"]), 3),
        # Of one core, until the jobs were done: near 1, Parley's one process is the limit.
        "parley_cpu_share": round(used / wall, 2),
        "receiver_cpu_s": round(cpu_seconds(peer_pid) - peer_cpu, 3),
    }


async def outbound(options: argparse.Namespace) -> dict[str, Any]:
    dest = default_destination("outbound", options.db)
    base_url = f"http://127.0.0.1:{options.port}"
    remotes = followers(options.followers, options.servers, options.peer_port,
                        shared=not options.personal_inboxes)
    seeded = await seed(dest, base_url, "author", remotes)
    expected = len(remotes) if options.personal_inboxes else options.servers
    log_dir = Path(tempfile.mkdtemp(prefix="parley-fed-bench-"))
    with peers(options.peer_port, log_dir) as receiver:
        server = parley(dest, options.port, log_dir, options.workers)
        counter = DeliveryCounter(dest.url)
        try:
            # The author's key is made on first need: here, not inside the measurement.
            await get_document(server.url, "/users/author")
            posts = [await one_post(server, f"http://127.0.0.1:{options.peer_port}",
                                    seeded.token, expected, number, counter, receiver.pid)
                     for number in range(1, options.posts + 1)]
        finally:
            await counter.close()
            server.stop()
    timed = [p for p in posts if p["full_delivery_s"]]
    return {
        "mode": "outbound", "database": "sqlite" if dest.is_sqlite else "postgresql",
        "followers": options.followers, "servers": options.servers, "workers": options.workers,
        "inboxes_per_post": expected, "personal_inboxes": options.personal_inboxes,
        "posts": posts,
        "median_full_delivery_s": _median(p["full_delivery_s"] for p in timed),
        "median_deliveries_per_s": _median(p["deliveries_per_s"] for p in timed),
        "median_cpu_ms_per_delivery": _median(p["parley_cpu_ms_per_delivery"] for p in posts),
        "log_dir": str(log_dir),
    }


def _median(values: Any) -> float | None:
    found = list(values)
    return round(statistics.median(found), 3) if found else None


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    modes = parser.add_subparsers(dest="mode", required=True)
    out = modes.add_parser("outbound", help="one post to many servers' inboxes")
    out.add_argument("--followers", type=int, default=10_000)
    out.add_argument("--servers", type=int, default=1_000)
    out.add_argument("--posts", type=int, default=3)
    out.add_argument("--personal-inboxes", action="store_true",
                     help="followers have no shared inbox: one delivery per follower")
    inbound = modes.add_parser("inbound", help="signed Creates posted to the inbox")
    inbound.add_argument("--activities", type=int, default=3_000)
    inbound.add_argument("--connections", type=int, default=16)
    for mode in (out, inbound):
        mode.add_argument("--db", default="", help="sqlite:///path or postgresql://...")
        mode.add_argument("--port", type=int, default=3100)
        mode.add_argument("--peer-port", type=int, default=3200)
        mode.add_argument("--no-crypto", action="store_true",
                          help="skip the bare RSA sign/verify baseline")
        mode.add_argument("--workers", type=int, default=0,
                          help="run the jobs in this many `parley worker` processes beside "
                               "the web process (default: in it, as `parley run`)")
    return parser.parse_args()


def main() -> None:
    options = arguments()
    if options.mode == "outbound":
        result = asyncio.run(outbound(options))
    else:
        result = asyncio.run(inbound(options))
    if not options.no_crypto:
        result["crypto_us"] = crypto_baseline()
        _compare(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"federation-{result['mode']}-{result['database']}.json"
    path.write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


def _compare(result: dict[str, Any]) -> None:
    """Parley's CPU per delivery (or activity) as a multiple of one bare RSA operation: the
    floor of each (a delivery signs once; an activity's check verifies once)."""
    crypto = result["crypto_us"]
    if result["mode"] == "outbound" and result["median_cpu_ms_per_delivery"]:
        result["cpu_per_delivery_in_rsa_signs"] = round(
            1000 * result["median_cpu_ms_per_delivery"] / crypto["rsa_sign_us"], 2)
    if result["mode"] == "inbound" and result.get("cpu_ms_per_activity"):
        result["cpu_per_activity_in_rsa_verifies"] = round(
            1000 * result["cpu_ms_per_activity"] / crypto["rsa_verify_us"], 2)


if __name__ == "__main__":
    main()
