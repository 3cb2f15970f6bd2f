"""Remote media's fetch (media/remote.py download) against a small server on 127.0.0.1:
what is refused for good (a 4xx, too large by its declared length or by what it sends, a
plain-HTTP or private address where peers must be public), what is retried (a 5xx), and the
declared type read as Mastodon's attachment type."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from parley.config import Settings
from parley.lib.fetch import FetchRefused
from parley.media.remote import Transient, download, kind_of

BODY = b"x" * 1000


class _Files(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/file":
            self._send(200, BODY, len(BODY))
        elif self.path == "/declared-large":
            self._send(200, BODY, 10_000_000)
        elif self.path == "/undeclared-large":
            self._send(200, BODY * 10, None)
        elif self.path == "/failing":
            self._send(503, b"", 0)
        elif self.path.startswith("/moved"):
            hops = int(self.path.removeprefix("/moved") or 0)
            self.send_response(302)
            self.send_header("location", f"/moved{hops - 1}" if hops > 1 else "/file")
            self.send_header("content-length", "0")
            self.end_headers()
        else:
            self._send(404, b"", 0)

    def _send(self, status: int, body: bytes, length: int | None) -> None:
        self.send_response(status)
        if length is not None:
            self.send_header("content-length", str(length))
        self.send_header("connection", "close")
        self.end_headers()
        self.wfile.write(body if length is None or length == len(body) else body[:length])

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


PEERS = Settings(federation_insecure_peers=True)


def test_a_file_is_streamed_to_disk(origin: str, tmp_path: Path) -> None:
    target = tmp_path / "file"
    assert asyncio.run(download(PEERS, f"{origin}/file", target, 5000)) == len(BODY)
    assert target.read_bytes() == BODY


def test_redirects_are_followed_a_few_times(origin: str, tmp_path: Path) -> None:
    target = tmp_path / "file"
    assert asyncio.run(download(PEERS, f"{origin}/moved3", target, 5000)) == len(BODY)
    with pytest.raises(FetchRefused):
        asyncio.run(download(PEERS, f"{origin}/moved5", target, 5000))


@pytest.mark.parametrize(("path", "cap"), [
    ("/declared-large", 5000), ("/undeclared-large", 5000), ("/missing", 5000)])
def test_refused_for_good(origin: str, tmp_path: Path, path: str, cap: int) -> None:
    with pytest.raises(FetchRefused):
        asyncio.run(download(PEERS, f"{origin}{path}", tmp_path / "file", cap))


def test_a_failing_server_is_tried_again(origin: str, tmp_path: Path) -> None:
    with pytest.raises(Transient):
        asyncio.run(download(PEERS, f"{origin}/failing", tmp_path / "file", 5000))


def test_public_peers_only_unless_allowed(origin: str, tmp_path: Path) -> None:
    with pytest.raises(FetchRefused):  # plain HTTP
        asyncio.run(download(Settings(), f"{origin}/file", tmp_path / "file", 5000))
    with pytest.raises(FetchRefused):  # loopback, over the scheme peers use
        asyncio.run(download(Settings(), f"https://{origin.split('//')[1]}/file",
                             tmp_path / "file", 5000))


@pytest.mark.parametrize(("declared", "kind"), [
    ("image/png", "image"), ("IMAGE/jpeg", "image"), ("video/mp4", "video"),
    ("audio/ogg", "audio"), ("application/pdf", "unknown"), ("", "unknown")])
def test_declared_types(declared: str, kind: str) -> None:
    assert kind_of(declared) == kind
