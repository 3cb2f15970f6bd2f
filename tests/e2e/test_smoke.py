"""The server starts and answers a Mastodon client."""

from __future__ import annotations

from support.clients import Clients


def test_instance_answers(clients: Clients) -> None:
    info = clients.anonymous().instance_v1()
    assert info["version"].startswith("4.3.0")
