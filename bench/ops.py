"""The operations a benchmark sends through the Mastodon API, and the mixes of them."""

from __future__ import annotations

import itertools
import json
import random
import time
from collections.abc import Callable
from typing import Any

from bench.graph import ID_SHIFT
from bench.openloop import Call, http_request
from bench.rows import token_for

OPS = ("home20", "home40", "home_max_id", "context", "notifications", "account", "compose")
MIXES: dict[str, dict[str, int]] = {
    # DeathStarBench's social network mix: home timeline / user timeline / compose.
    "mix": {"home20": 60, "account": 30, "compose": 10},
    # 50 reads to 1 write, the reads spread over every read operation.
    "readheavy": {"home20": 20, "home40": 5, "home_max_id": 5, "context": 8,
                  "notifications": 6, "account": 6, "compose": 1},
}


class Workload:
    """Builds requests for a loaded network (its manifest), deterministically from a seed."""

    def __init__(self, manifest: dict[str, Any], seed: int = 7) -> None:
        self.m = manifest
        self.rng = random.Random(seed)
        self.active: list[int] = manifest["active"]
        self.regular_active = self.active[:len(self.active)
                                          - len(manifest["celebrities"])
                                          - len(manifest["probes"])]
        self.roots: list[int] = manifest["conversation_roots"]
        self.counter = itertools.count()

    def _viewer(self) -> int:
        return self.rng.choice(self.regular_active)

    def call(self, op: str, viewer: int | None = None) -> Call:
        viewer = viewer if viewer is not None else self._viewer()
        token = token_for(viewer)
        if op in ("home20", "home40"):
            path = f"/api/v1/timelines/home?limit={op[4:]}"
        elif op == "home_max_id":
            # A page further back: a max_id at a random moment of the last few days.
            now_ms = int(time.time() * 1000)
            moment = now_ms - self.rng.randint(3_600_000, 5 * 86_400_000)
            path = f"/api/v1/timelines/home?limit=20&max_id={moment << ID_SHIFT}"
        elif op == "context":
            path = f"/api/v1/statuses/{self.rng.choice(self.roots)}/context"
        elif op == "notifications":
            path = "/api/v1/notifications?limit=20"
        elif op == "account":
            path = f"/api/v1/accounts/{self.rng.choice(self.active)}/statuses?limit=20"
        elif op == "reply":  # into a conversation (the soak's mix; not a cpu scenario op)
            body = json.dumps({"status": f"Benchmark reply {next(self.counter)}.",
                               "in_reply_to_id": str(self.rng.choice(self.roots)),
                               "visibility": "public"}).encode()
            return Call(op, http_request("POST", "/api/v1/statuses", token, body))
        elif op == "compose":
            body = json.dumps({"status": f"Benchmark post {next(self.counter)}, a few words "
                               "to carry.", "visibility": "public"}).encode()
            return Call(op, http_request("POST", "/api/v1/statuses", token, body))
        else:
            raise ValueError(f"unknown operation {op!r}; choose one of {', '.join(OPS)}")
        return Call(op, http_request("GET", path, token))

    def mix(self, weights: dict[str, int]) -> Callable[[], Call]:
        ops = list(weights)
        cumulative = list(itertools.accumulate(weights[op] for op in ops))

        def next_call() -> Call:
            return self.call(self.rng.choices(ops, cum_weights=cumulative)[0])

        return next_call

    def single(self, op: str, viewer: int | None = None) -> Callable[[], Call]:
        return lambda: self.call(op, viewer)

    def sample(self, op: str, count: int, viewer: int | None = None) -> list[Call]:
        return [self.call(op, viewer) for _ in range(count)]


def mix_named(name: str) -> dict[str, int]:
    if name in MIXES:
        return MIXES[name]
    if name in OPS:
        return {name: 1}
    raise ValueError(f"unknown mix {name!r}; choose one of {', '.join([*MIXES, *OPS])}")
