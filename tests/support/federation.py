"""Helpers for tests of Parley servers federating on 127.0.0.1: the settings that let
loopback peers talk over plain HTTP, handles, and finding and following across servers."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from support.clients import TestUser
from support.server import LiveServer

FEDERATING = {"PARLEY_FEDERATION_INSECURE_PEERS": "1"}
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
