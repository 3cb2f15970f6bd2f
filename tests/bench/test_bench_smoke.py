"""The benchmark harness end to end on tier S, the CI-sized network: it loads, serves, loads
the servers, measures and reports. Only that it works is checked, never how fast anything is."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# bench/ lives at the repository root, beside src/ (it is not part of the installed package).
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
pytest.importorskip("numpy", reason="bench dependencies: pip install -e '.[bench]'")

from bench.cli import app as bench_app
from bench.load import Destination, load_network, read_manifest
from bench.report import render, targets
from bench.run import RunOptions, run_benchmark
from bench.tiers import TIERS

from support.bench_databases import drop, throwaway_url

SMOKE_TIER = "S"  # CI-sized: 10,000 users, 100,000 posts


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _destination(tmp_path: Path) -> Destination:
    """SQLite by default; a throwaway PostgreSQL database when the suite runs on PostgreSQL."""
    return Destination(throwaway_url(tmp_path, "bench-smoke"))


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[Destination, dict[str, Any]]]:
    """The smoke network (tier S, as the issue asks of CI), loaded once for this module."""
    dest = _destination(tmp_path_factory.mktemp("bench"))
    try:
        manifest = asyncio.run(load_network(TIERS[SMOKE_TIER], dest, quiet=True))
        yield dest, manifest
    finally:
        drop(dest.url)


def test_tier_s_network_loads_runs_and_reports(network: tuple[Destination, dict[str, Any]],
                                           tmp_path: Path) -> None:
    dest, manifest = network
    assert read_manifest(dest)["posts"] == TIERS[SMOKE_TIER].posts
    assert manifest["timeline_entries"] > 0
    wrk = ("cpu", "flat", "growth", "media", "soak") if shutil.which("wrk") else ()
    scenarios = ("curve", "compose", "storm", *wrk)
    # `growth` compares two servers over two databases: here both serve the same one.
    opts = RunOptions(scenarios=scenarios, seconds=1, warmup=0, connections=2,
                      cpu_ops=("home20", "compose"), rates=(5,), curve_seconds=1,
                      compose_rate=4, compose_seconds=1, storm_rate=5, storm_seconds=3,
                      storm_every=3, calls_per_script=50, growth_db=dest.url,
                      soak_seconds=2, soak_window=1, soak_streams=2,
                      growth_port=_free_port(), ports=(_free_port(), _free_port()))
    out = run_benchmark(dest, opts, results_dir=tmp_path / "runs")

    results = json.loads((out / "results.json").read_text())
    for point in results["curve"]["readheavy"]:
        assert point["completed"] > 0
        assert not point["failures"], point["failures"]
    assert not any(point["failures"] for point in results["compose"].values())
    storm = results["storm"]
    biggest = max(manifest["celebrities"], key=int)
    assert storm["posts"], "the celebrity posted"
    assert storm["posts"][0]["delivered"] == int(biggest) + 1  # every follower and the author
    if "cpu" in results:  # wrk ran against both (how many requests fit in 1 s is not asserted)
        assert {"rps", "cpu_us_per_op"} <= results["cpu"]["parley"]["home20"].keys()
        assert {"rps", "cpu_us_per_op"} <= results["cpu"]["floor"]["home20"].keys()
        assert set(results["flat"]) == set(manifest["probes"])
        assert results["growth"]["home20_fewer_posts"]["requests"] > 0
        assert results["media"]["posts_with_media"] > 0
        assert results["media"]["home20_media"]["requests"] > 0
        # the soak ran at half its own mix's measured capacity
        assert results["soak"]["rate"] == max(1.0, round(results["soak_capacity"]["rps"] / 2, 1))
        assert results["soak"]["windows"]
    assert targets(results)
    markdown = render(out, tmp_path / "images", "smoke")
    assert "Celebrity storm" in markdown
    if "growth" in results:
        assert "as posts grow 10x" in markdown
    assert (tmp_path / "images" / "smoke-fanout.png").stat().st_size > 0


def test_floor_app_serves_the_same_home_page_as_parley(network: tuple[Destination, dict[str, Any]],
                                                       tmp_path: Path) -> None:
    """The floor is only a fair floor if it returns the same page from the same data."""
    import httpx
    from bench.procs import start_floor, start_parley
    from bench.rows import token_for

    dest, manifest = network
    parley = start_parley(dest.url, _free_port(), manifest["base_url"], tmp_path)
    floor = start_floor(dest.url, _free_port(), manifest["base_url"], tmp_path)
    try:
        headers = {"Authorization": f"Bearer {token_for(manifest['active'][0])}"}
        pages = [httpx.get(f"{server.url}/api/v1/timelines/home?limit=20", headers=headers,
                           timeout=30).json() for server in (parley, floor)]
        unauthorised = httpx.get(f"{floor.url}/api/v1/timelines/home", timeout=30)
    finally:
        parley.stop()
        floor.stop()
    assert pages[0] and pages[0] == pages[1]
    assert unauthorised.status_code == 401


def test_cli_lists_the_commands() -> None:
    from typer.testing import CliRunner

    result = CliRunner().invoke(bench_app, ["--help"])
    assert result.exit_code == 0
    for command in ("load", "run", "report"):
        assert command in result.output
