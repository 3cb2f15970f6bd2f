"""Profile link verification's parts: which pages link back with rel="me", which URLs are
never fetched, and that a fetch connects to the address it checked."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from parley.accounts.links import is_link, links_back, needs_verification
from parley.lib import fetch
from parley.lib.fetch import FetchRefused, fetch_html

PROFILE = {"https://parley.test/@ana", "https://parley.test/users/ana"}


@pytest.mark.parametrize(("page", "verified"), [
    ('<a rel="me" href="https://parley.test/@ana">me</a>', True),
    ('<link rel="me authn" href="https://parley.test/users/ana/">', True),
    ('<a rel="ME nofollow" href="https://parley.test/@ana/">', True),
    ('<a href="https://parley.test/@ana">no rel</a>', False),
    ('<a rel="me" href="https://parley.test/@bob">someone else</a>', False),
    ('<a rel="me" href="https://elsewhere.test/@ana">another server</a>', False),
    ("<p>nothing</p>", False),
])
def test_a_page_links_back_only_with_rel_me_to_this_profile(page: str, verified: bool) -> None:
    assert links_back(f"<html><body>{page}</body></html>", PROFILE) is verified


def test_only_unverified_links_need_checking() -> None:
    assert is_link("https://example.com/me") and not is_link("my site: example.com")
    assert needs_verification([{"name": "Site", "value": "https://example.com"}])
    assert not needs_verification([{"name": "Site", "value": "https://example.com",
                                    "verified_at": "2026-11-22T00:00:00.000Z"},
                                   {"name": "Pets", "value": "two cats"}])


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/", "http://localhost:9/",
                                 "http://10.0.0.1/", "http://[::1]:9/", "ftp://example.com/",
                                 "file:///etc/passwd"])
def test_own_network_and_other_schemes_are_never_fetched(url: str) -> None:
    with pytest.raises(FetchRefused):
        asyncio.run(fetch_html(url))


class _HostEcho(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.end_headers()
        self.wfile.write(f"<p>asked for {self.headers['host']}</p>".encode())

    def log_message(self, *_args: object) -> None:
        pass


def _resolving_to(address: str) -> Callable[[str, int], Awaitable[list[str]]]:
    async def addresses(_host: str, _port: int) -> list[str]:
        return [address]
    return addresses


def test_a_name_resolving_to_this_machine_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch, "_addresses", _resolving_to("127.0.0.1"))
    with pytest.raises(FetchRefused, match="not a public address"):
        asyncio.run(fetch_html("http://rebinding.test/"))


def test_the_request_goes_to_the_address_that_was_checked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """No second lookup whose answer could differ (DNS rebinding): the connection is made to
    the checked address, with the URL's own host in the Host header."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HostEcho)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    monkeypatch.setattr(fetch, "_addresses", _resolving_to("127.0.0.1"))
    try:
        page = asyncio.run(fetch_html(f"http://site.test:{port}/me", allow_private=True))
    finally:
        server.shutdown()
        server.server_close()
    assert page == f"<p>asked for site.test:{port}</p>"
