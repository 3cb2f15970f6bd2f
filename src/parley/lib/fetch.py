"""Fetching pages from other sites on a user's behalf (profile link verification): bounded in
time, size and redirects, and never into this machine's own network unless allowed."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urljoin, urlsplit

import httpx

TIMEOUT_S = 5.0
MAX_BYTES = 1_000_000
MAX_REDIRECTS = 3
USER_AGENT = "Parley (link verification)"


class FetchRefused(Exception):
    """The URL may not be fetched (scheme, address, size, type) or could not be."""


async def _check_address(host: str, port: int, allow_private: bool) -> None:
    """Refuse hosts that resolve to loopback, private, link-local or reserved addresses: a
    profile link must not make the server probe its own network."""
    if allow_private:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port,
                                                             type=socket.SOCK_STREAM)
    except OSError as error:
        raise FetchRefused(f"cannot resolve {host}") from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise FetchRefused(f"{host} is not a public address")


def _target(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchRefused("only http(s) URLs are fetched")
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


async def fetch_html(url: str, *, allow_private: bool = False) -> str:
    """The HTML of the page at `url` (following up to MAX_REDIRECTS redirects, each checked),
    at most MAX_BYTES of it; FetchRefused otherwise."""
    async with httpx.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False,
                                 headers={"user-agent": USER_AGENT}) as client:
        for _ in range(MAX_REDIRECTS + 1):
            await _check_address(*_target(url), allow_private)
            try:
                async with client.stream("GET", url) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        continue
                    if response.status_code != 200:
                        raise FetchRefused(f"status {response.status_code}")
                    if "html" not in response.headers.get("content-type", "text/html"):
                        raise FetchRefused("not an HTML page")
                    body = bytearray()
                    async for chunk in response.aiter_bytes():
                        body += chunk
                        if len(body) > MAX_BYTES:
                            break
                    return bytes(body[:MAX_BYTES]).decode(response.encoding or "utf-8",
                                                          errors="replace")
            except httpx.HTTPError as error:
                raise FetchRefused(str(error) or type(error).__name__) from error
    raise FetchRefused("too many redirects")
