"""bench.federation end to end on a few followers and activities: every inbox gets the post
once, signed; every signed Create is accepted and stored. Only that it works is checked,
never how fast anything is."""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
from pathlib import Path

import pytest

# bench/ lives at the repository root, beside src/ (it is not part of the installed package).
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
pytest.importorskip("numpy", reason="bench dependencies: pip install -e '.[bench]'")

from bench.fed_inbound import inbound
from bench.federation import outbound

from support.bench_databases import drop, throwaway_url


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _db(tmp_path: Path, name: str) -> str:
    """SQLite by default; a throwaway PostgreSQL database on PostgreSQL (the benchmark
    drops and makes it; dropped again afterwards)."""
    return throwaway_url(tmp_path, name)


def _options(db: str, **extra: object) -> argparse.Namespace:
    return argparse.Namespace(db=db, port=_free_port(), peer_port=_free_port(),
                              **{"workers": 0, **extra})


def test_outbound_reaches_every_server_once(tmp_path: Path) -> None:
    db = _db(tmp_path, "outbound")
    try:
        result = asyncio.run(outbound(_options(db, followers=12, servers=4, posts=2,
                                               personal_inboxes=False)))
    finally:
        drop(db)
    assert result["inboxes_per_post"] == 4
    for post in result["posts"]:
        assert post["inboxes"] == post["servers"] == post["requests"] == post["signed"] == 4
        assert post["full_delivery_s"] is not None


def test_outbound_to_personal_inboxes(tmp_path: Path) -> None:
    db = _db(tmp_path, "personal")
    try:
        result = asyncio.run(outbound(_options(db, followers=6, servers=3, posts=1,
                                               personal_inboxes=True)))
    finally:
        drop(db)
    post = result["posts"][0]
    assert (post["inboxes"], post["servers"], post["requests"]) == (6, 3, 6)


def test_inbound_accepts_and_stores_every_activity(tmp_path: Path) -> None:
    db = _db(tmp_path, "inbound")
    try:
        result = asyncio.run(inbound(_options(db, activities=5, connections=2)))
    finally:
        drop(db)
    assert result["statuses"] == {202: 5}
    assert result["stored"] == 5
    assert result["documents_fetched_from_the_peer"] == 0  # the key was held after the root


def test_both_with_the_jobs_in_a_parley_worker_process(tmp_path: Path) -> None:
    """--workers 1 (scale mode): the web process takes the deliveries, a `parley worker`
    beside it runs the jobs, with the same keys and base URL."""
    db = _db(tmp_path, "workers")
    try:
        out = asyncio.run(outbound(_options(db, followers=4, servers=2, posts=1,
                                            personal_inboxes=False, workers=1)))
        into = asyncio.run(inbound(_options(db, activities=3, connections=2, workers=1)))
    finally:
        drop(db)
    assert out["posts"][0]["signed"] == 2 and out["workers"] == 1
    assert (into["statuses"], into["stored"]) == ({202: 3}, 3)
