"""The avatar bomb (issue 17's finding: a 4.9 KB PNG of 6300x6300 pixels took the server from
194 to 541 MB, six at once to 906 MB): profile images are refused from their header, before
anything is decoded, through the API and the web settings form alike, and the server's
memory stays where it was."""

from __future__ import annotations

import struct
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from support.clients import Clients, TestUser
from support.forms import form
from support.oauth_flow import browser
from support.server import LiveServer

SIDE = 6300
# Generous: the finding was +347 MB for one and +712 MB for six.
RSS_GROWTH_BOUND_MB = 150


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_bomb(side: int = SIDE) -> bytes:
    """A PNG of side x side black 8-bit grey pixels: its zlib stream of zeros is a few KB,
    the bitmap it declares ~40 MB (as RGB, ~120 MB)."""
    row = b"\x00" * (side + 1)  # filter byte, then one byte per pixel
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", body)
            + _chunk(b"IEND", b""))


def rss_mb(server: LiveServer) -> float:
    """The server process's resident memory, from /proc."""
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    kilobytes = next(line.split()[1] for line in status.splitlines()
                     if line.startswith("VmRSS:"))
    return int(kilobytes) / 1024


def _upload(http: httpx.Client, user: TestUser, kind: str) -> httpx.Response:
    return http.patch("/api/v1/accounts/update_credentials",
                      headers={"Authorization": f"Bearer {user.api.access_token}"},
                      files={kind: ("bomb.png", png_bomb(), "image/png")})


def test_the_bomb_is_a_few_kilobytes() -> None:
    assert len(png_bomb()) < 200_000


@pytest.mark.parametrize("kind", ["avatar", "header"])
def test_a_bomb_avatar_or_header_is_refused_before_decoding(
        clients: Clients, http: httpx.Client, server: LiveServer, kind: str) -> None:
    user = clients.new_user(f"bomb_{kind}")
    before = rss_mb(server)
    refused = _upload(http, user, kind)
    assert refused.status_code == 422, refused.text
    assert f"{SIDE}x{SIDE}" in refused.json()["error"]
    assert rss_mb(server) - before < RSS_GROWTH_BOUND_MB
    account = user.api.account_verify_credentials()
    assert "/media/" not in str(account[kind])  # nothing was stored


def test_six_bombs_at_once_leave_memory_bounded(clients: Clients, server: LiveServer,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    users = [clients.new_user(f"bombs{number}") for number in range(6)]
    before = rss_mb(server)
    with httpx.Client(base_url=server.base_url, timeout=60) as http, \
            ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda user: _upload(http, user, "avatar"), users))
    after = rss_mb(server)
    assert [answer.status_code for answer in answers] == [422] * 6
    with capsys.disabled():
        print(f"\nserver RSS around six bomb avatars at once: {before:.0f} -> {after:.0f} MB")
    assert after - before < RSS_GROWTH_BOUND_MB


def test_the_web_settings_form_refuses_a_bomb_with_a_readable_page(
        clients: Clients, server: LiveServer) -> None:
    user = clients.new_user("bomb_web")
    with browser(server) as tab:
        page = tab.get("/auth/sign_in")
        signed_in = tab.post("/auth/sign_in", data={
            **form(page.text, "/auth/sign_in").fields, "login": user.username,
            "password": user.password})
        assert signed_in.status_code == 303, signed_in.text
        settings = tab.get("/settings/profile")
        fields = form(settings.text, "/settings/profile").fields
        refused = tab.post("/settings/profile", data=fields,
                           files={"avatar": ("bomb.png", png_bomb(), "image/png")})
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("text/html")
    assert f"{SIDE}x{SIDE}" in refused.text
