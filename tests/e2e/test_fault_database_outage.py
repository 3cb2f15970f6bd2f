"""PostgreSQL goes away under load and comes back: Parley reaches its database through a TCP
proxy that the test cuts (every connection closed, new ones refused, as a server restarting)
and restores. Requests during the outage answer 503 with Retry-After, quickly (not a hang,
not a 500); service returns by itself; every write acknowledged with a 200 is there after.
The shared PostgreSQL server is never touched."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from mastodon import Mastodon

from support.clients import PASSWORD
from support.faults import Proc, TcpProxy, is_postgres, start
from support.server import fresh_database

pytestmark = pytest.mark.skipif(not is_postgres(),
                                reason="a PostgreSQL outage (PARLEY_TEST_DATABASE_URL)")
# A request that takes longer than this during the outage is a hang.
HANG_S = 10.0


class Load(threading.Thread):
    """Posts and reads in a loop, keeping every acknowledged post's id and every answer's
    status (with Retry-After on 503s)."""

    def __init__(self, base_url: str, token: str) -> None:
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=base_url, timeout=HANG_S,
                                   headers={"Authorization": f"Bearer {token}"})
        self.acknowledged: list[str] = []
        self.answers: Counter[str] = Counter()
        self.stop = threading.Event()
        self.number = 0

    def run(self) -> None:
        while not self.stop.is_set():
            self.number += 1
            self._call("post", "POST", "/api/v1/statuses",
                       data={"status": f"post number {self.number}"})
            self._call("home", "GET", "/api/v1/timelines/home")
            self._call("web", "GET", "/@keeper")
            time.sleep(0.01)

    def _call(self, name: str, method: str, path: str, **kwargs: object) -> None:
        try:
            answer = self.client.request(method, path, **kwargs)  # type: ignore[arg-type]
        except httpx.TimeoutException:
            self.answers[f"{name} hung"] += 1
            return
        except httpx.HTTPError as error:
            self.answers[f"{name} {type(error).__name__}"] += 1
            return
        retry = " retry-after" if answer.headers.get("retry-after") else ""
        self.answers[f"{name} {answer.status_code}{retry}"] += 1
        if name == "post" and answer.status_code == 200:
            self.acknowledged.append(answer.json()["id"])


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[tuple[Proc, TcpProxy]]:
    with fresh_database(tmp_path) as database_url:
        parts = urlsplit(database_url)
        proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
        proc = start("run", tmp_path, proxy.url_for(database_url), name="run")
        try:
            yield proc, proxy
        finally:
            proc.stop()
            proxy.close()


def test_requests_during_an_outage_get_503_and_nothing_acknowledged_is_lost(
        proxied: tuple[Proc, TcpProxy]) -> None:
    proc, proxy = proxied
    client_id, secret = Mastodon.create_app("outage test", api_base_url=proc.base_url)
    api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=proc.base_url)
    api.create_account("keeper", PASSWORD, "keeper@example.com", agreement=True)
    load = Load(proc.base_url, str(api.access_token))
    load.start()
    try:
        while len(load.acknowledged) < 5:
            time.sleep(0.05)
        proxy.cut()
        outage_began = sum(load.answers.values())
        while sum(load.answers.values()) < outage_began + 30:
            time.sleep(0.05)
        with httpx.stream("GET", f"{proc.base_url}/api/v1/streaming/user", timeout=HANG_S,
                          headers={"Authorization": f"Bearer {api.access_token}"}) as stream:
            # Its token cannot be looked up.
            assert (stream.status_code, "retry-after" in stream.headers) == (503, True)
        during = Counter(load.answers)
        proxy.restore()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # service returns by itself
            before = load.answers["home 200"]
            time.sleep(0.5)
            if load.answers["home 200"] > before:
                break
    finally:
        load.stop.set()
        load.join(timeout=30)
    statuses = {answer.split(" ", 1)[1] for answer in load.answers}
    assert statuses <= {"200", "503 retry-after"}, (load.answers, proc.log()[-3000:])
    assert during["post 503 retry-after"] and during["home 503 retry-after"] \
        and during["web 503 retry-after"], during
    assert load.answers["home 200"] > during["home 200"], "service did not return"
    assert "Traceback" not in proc.log(), proc.log()[-3000:]
    reader = httpx.Client(base_url=proc.base_url, timeout=30)
    for post_id in load.acknowledged:
        assert reader.get(f"/api/v1/statuses/{post_id}").status_code == 200, post_id
