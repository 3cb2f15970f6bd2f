"""The web's live stream of a thread (/live/thread/{id}): open only to those who may see the
thread, and telling nobody of posts they may not see (issue 17's finding: an anonymous
subscriber heard of a direct thread's deletes)."""

from __future__ import annotations

import time

import httpx

from support.clients import Clients
from support.server import LiveServer


def test_a_thread_one_may_not_see_has_no_live_stream(http: httpx.Client,
                                                     clients: Clients) -> None:
    alice, bob = clients.new_user("livegate_a"), clients.new_user("livegate_b")
    secret = alice.api.status_post(f"@{bob.username} just us", visibility="direct")
    with http.stream("GET", f"/live/thread/{secret['id']}") as response:
        assert response.status_code == 404


def test_deletes_of_posts_one_may_not_see_stay_off_a_public_thread(
        server: LiveServer, clients: Clients) -> None:
    alice = clients.new_user("livegate_c")
    root = alice.api.status_post("an open thread")
    with httpx.Client(base_url=server.base_url, timeout=10) as anonymous, \
            anonymous.stream("GET", f"/live/thread/{root['id']}") as stream:
        assert stream.status_code == 200
        lines = stream.iter_lines()
        assert next(lines).startswith(": connected")
        hidden = alice.api.status_post("followers only", in_reply_to_id=root["id"],
                                       visibility="private")
        alice.api.status_delete(hidden["id"])
        shown = alice.api.status_post("for everyone", in_reply_to_id=root["id"])
        alice.api.status_delete(shown["id"])
        seen, deadline = [], time.monotonic() + 10
        for line in lines:  # heartbeats every half second keep this loop turning
            seen.append(line)
            if line == f"data: post-{shown['id']}" or time.monotonic() > deadline:
                break
    assert f"data: post-{shown['id']}" in seen
    assert f"data: post-{hidden['id']}" not in seen
    assert not any(hidden["id"] in line for line in seen)
