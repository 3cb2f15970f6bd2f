"""Helpers for tests of Parley servers federating on 127.0.0.1: the settings that let
loopback peers talk over plain HTTP, handles, and finding and following across servers."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from urllib.parse import urlsplit

import pytest

from support.clients import TestUser, eventually
from support.server import LiveServer, run_server

FEDERATING = {"PARLEY_FEDERATION_INSECURE_PEERS": "1"}
ARRIVAL_WAIT = 30.0  # seconds one federated change may take on a loaded machine (a bound)
AS_JSON = "application/activity+json"


def handle(user: TestUser, server: LiveServer) -> str:
    return f"{user.username}@{urlsplit(server.base_url).netloc}"


def find_remote(viewer: TestUser, acct: str) -> dict[str, Any]:
    """The remote account as the viewer's server knows it, looked up there (resolve)."""
    found = viewer.api.search_v2(acct, resolve=True, result_type="accounts")["accounts"]
    assert found, f"{acct} was not found"
    return dict(found[0])


def follow_across(follower: TestUser, target: TestUser, target_server: LiveServer
                  ) -> dict[str, Any]:
    """`follower` follows `target` on another server (found there by handle)."""
    remote = find_remote(follower, handle(target, target_server))
    follower.api.account_follow(remote["id"])
    return remote


def followed(follower: TestUser, target: TestUser, target_server: LiveServer
             ) -> dict[str, Any]:
    """`follower` follows `target` on another server, once accepted there."""
    remote = follow_across(follower, target, target_server)
    assert eventually(lambda: follower.api.account_relationships(remote["id"])[0]["following"],
                      timeout=ARRIVAL_WAIT)
    return remote


def arrived(viewer: TestUser, uri: str) -> dict[str, Any]:
    """The copy of a post (by its URI) in the viewer's home, once it is there."""
    found = eventually(lambda: [s for s in viewer.api.timeline_home() if s["uri"] == uri],
                       timeout=ARRIVAL_WAIT)
    assert found, f"{uri} did not arrive"
    return dict(found[0])


@contextmanager
def federating(tmp_path_factory: pytest.TempPathFactory, prefix: str, count: int,
               extra_env: dict[str, str] | None = None) -> Iterator[tuple[LiveServer, ...]]:
    """`count` Parley servers on 127.0.0.1 (each its own port: its own domain) that federate
    with each other; their logs' tracebacks are printed when they stop."""
    with ExitStack() as stack:
        servers = tuple(stack.enter_context(run_server(
            tmp_path_factory.mktemp(f"{prefix}-{chr(97 + n)}"),
            extra_env={**FEDERATING, **(extra_env or {})})) for n in range(count))
        yield servers
        for server in servers:
            if "Traceback" in server.log_tail(5000):
                print(f"\nServer log had errors:\n{server.log_tail(200)}", file=sys.stderr)
