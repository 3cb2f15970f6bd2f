"""SIGTERM to `parley run` and to `parley worker`: a request in flight finishes (its write
acknowledged and kept), an open event stream does not hold the process up, a job the worker
holds is put back (queued, its attempt uncounted) rather than left running until it is stale,
and a new process runs it. On SQLite and PostgreSQL."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from mastodon import Mastodon
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.cards.jobs import FETCH_CARD
from parley.jobs.models import Job
from support.clients import PASSWORD
from support.database import ServerDatabase
from support.faults import Proc, start
from support.server import fresh_database

ENV = {"PARLEY_WORKER_STOP_GRACE": "1"}
PAGE = (b"<html><head><title>Slow page</title>"
        b"<meta property='og:title' content='A slow page'></head></html>")


class SlowSite:
    """A page that answers after `delay` seconds; `asked` is set when a request arrives."""

    def __init__(self) -> None:
        self.delay = 3.0
        self.asked = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.asked.set()
                time.sleep(site.delay)
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(PAGE)))
                self.end_headers()
                self.wfile.write(PAGE)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/page"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def site() -> Iterator[SlowSite]:
    slow = SlowSite()
    yield slow
    slow.server.shutdown()


def _user(base_url: str) -> Mastodon:
    client_id, secret = Mastodon.create_app("sigterm test", api_base_url=base_url)
    api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=base_url)
    api.create_account("steady", PASSWORD, "steady@example.com", agreement=True)
    return api


def _card_jobs(db: ServerDatabase) -> list[tuple[str, int, str | None]]:
    async def jobs(session: AsyncSession) -> list[tuple[str, int, str | None]]:
        rows = (await session.execute(select(Job.state, Job.attempts, Job.locked_by).where(
            Job.kind == FETCH_CARD.name))).all()
        return [(state, attempts, locked_by) for state, attempts, locked_by in rows]
    return db.read(jobs)


def _trickled_post(base_url: str, token: str, sent_first: threading.Event,
                   result: dict[str, object]) -> None:
    """POST a status whose form body arrives in two parts a second apart."""
    body = b"status=posted+while+the+server+stops&visibility=public"

    def parts() -> Iterator[bytes]:
        yield body[:10]
        sent_first.set()
        time.sleep(1.0)
        yield body[10:]

    try:
        answer = httpx.post(f"{base_url}/api/v1/statuses", content=parts(), timeout=30,
                            headers={"Authorization": f"Bearer {token}",
                                     "Content-Type": "application/x-www-form-urlencoded",
                                     "Content-Length": str(len(body))})
        result["status"], result["body"] = answer.status_code, answer.json()
    except httpx.HTTPError as error:
        result["error"] = repr(error)


def _open_stream(base_url: str, opened: threading.Event) -> None:
    try:
        with httpx.stream("GET", f"{base_url}/api/v1/streaming/public", timeout=60) as stream:
            opened.set()
            for _ in stream.iter_bytes():
                pass
    except httpx.HTTPError:
        pass


def _terminate_holding_a_job(proc: Proc, db: ServerDatabase, site: SlowSite) -> None:
    """The worker is waiting on the slow page: SIGTERM; the process exits by itself and the
    job is back in the queue, nobody's, its attempt uncounted."""
    assert site.asked.wait(30), proc.log()[-3000:]
    assert _card_jobs(db) == [("running", 1, _card_jobs(db)[0][2])]
    # uvicorn stops in order, then ends by the signal it caught (-15); the worker exits 0.
    assert proc.terminate(timeout=30) in (0, -signal.SIGTERM), proc.log()[-3000:]
    assert "Traceback" not in proc.log(), proc.log()[-3000:]
    assert _card_jobs(db) == [("queued", 0, None)], proc.log()[-3000:]


def _runs_again(proc: Proc, db: ServerDatabase, site: SlowSite) -> None:
    site.delay = 0
    deadline = time.monotonic() + 30
    while _card_jobs(db) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _card_jobs(db) == [], proc.log()[-3000:]


def test_sigterm_to_parley_run(tmp_path: Path, site: SlowSite) -> None:
    with fresh_database(tmp_path) as database_url:
        proc = start("run", tmp_path, database_url, name="run", extra_env=ENV)
        db = ServerDatabase(database_url)
        try:
            api = _user(proc.base_url)
            api.status_post(f"Read this: {site.url}")  # its card job waits on the page
            assert site.asked.wait(30), proc.log()[-3000:]
            opened, sent_first = threading.Event(), threading.Event()
            threading.Thread(target=_open_stream, args=(proc.base_url, opened),
                             daemon=True).start()
            assert opened.wait(10)
            result: dict[str, object] = {}
            poster = threading.Thread(target=_trickled_post, args=(
                proc.base_url, api.access_token, sent_first, result))
            poster.start()
            assert sent_first.wait(10)
            time.sleep(0.2)  # the request has reached the server, its body half sent
            _terminate_holding_a_job(proc, db, site)
            poster.join(timeout=30)
            assert result.get("status") == 200, (result, proc.log()[-3000:])
            again = start("run", tmp_path, database_url, name="again", extra_env=ENV)
            try:
                posted = Mastodon(api_base_url=again.base_url).status(
                    str(result["body"]["id"]))  # type: ignore[index]
                assert "while the server stops" in posted["content"]
                _runs_again(again, db, site)
            finally:
                again.stop()
        finally:
            proc.stop()
            db.close()


def test_sigterm_to_a_worker(tmp_path: Path, site: SlowSite) -> None:
    with fresh_database(tmp_path) as database_url:
        web = start("serve", tmp_path, database_url, name="serve", extra_env=ENV)
        db = ServerDatabase(database_url)
        try:
            _user(web.base_url).status_post(f"Read this: {site.url}")
            worker = start("worker", tmp_path, database_url, name="worker", extra_env=ENV)
            try:
                _terminate_holding_a_job(worker, db, site)
            finally:
                worker.stop()
            again = start("worker", tmp_path, database_url, name="again", extra_env=ENV)
            try:
                _runs_again(again, db, site)
            finally:
                again.stop()
        finally:
            web.stop()
            db.close()
