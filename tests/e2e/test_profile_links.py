"""Profile link verification through Mastodon.py: a field linking to a page that links back
with rel="me" is verified by a background job; others are not; an unchanged link stays
verified when the profile is saved again."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from support.clients import Clients, eventually

PAGES: dict[str, str] = {}


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = PAGES.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("content-type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write((body or "not here").encode())

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    """Someone's own web site, on 127.0.0.1."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _fields(user_api: object) -> dict[str, object]:
    account = user_api.account_verify_credentials()  # type: ignore[attr-defined]
    return {field["name"]: field["verified_at"] for field in account["fields"]}


def test_a_link_back_with_rel_me_verifies_a_profile_field(clients: Clients, site: str) -> None:
    ana = clients.new_user("linker")
    profile = ana.account["url"]
    PAGES[f"/{ana.username}"] = f'<a rel="me" href="{profile}">me on Parley</a>'
    PAGES[f"/{ana.username}/plain"] = f'<a href="{profile}">no rel</a>'
    ana.api.account_update_credentials(fields=[
        ("Site", f"{site}/{ana.username}"), ("Blog", f"{site}/{ana.username}/plain"),
        ("Gone", f"{site}/{ana.username}/missing"), ("Pets", "two cats")])
    verified = eventually(lambda: _fields(ana.api)["Site"], timeout=15)
    assert verified
    assert _fields(ana.api) == {"Site": verified, "Blog": None, "Gone": None, "Pets": None}
    shown = ana.api.account(ana.id)["fields"][0]
    assert 'rel="nofollow noopener me"' in shown["value"]
    assert f'href="{site}/{ana.username}"' in shown["value"]
    # Saved again with the link unchanged: still verified; a new value starts unverified.
    ana.api.account_update_credentials(fields=[
        ("Site", f"{site}/{ana.username}"), ("Blog", f"{site}/{ana.username}/other")])
    assert _fields(ana.api) == {"Site": verified, "Blog": None}
