"""Fetching pages from other sites on a user's behalf (profile link verification, link
preview cards), and posting to the addresses users give (Web Push endpoints): bounded in time,
size and redirects, and never into this machine's own network unless allowed."""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from parley.lib.numbers import ascii_int

TIMEOUT_S = 5.0
MAX_BYTES = 1_000_000
MAX_REDIRECTS = 3
USER_AGENT = "Parley (link verification)"


class FetchRefused(Exception):
    """The URL may not be fetched (scheme, address, size, type) or could not be."""


class AddressRefused(FetchRefused):
    """The URL's host is on this machine's own network (or no http(s) URL): refused for
    good, not a failure worth trying again."""


def address_allowed(address: str) -> bool:
    """Whether a peer may live at this address: a global one (an IPv6 address that embeds an
    IPv4 one is judged by it: ::ffff:127.0.0.1 and ::127.0.0.1 are loopback)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
                                      if int(ip) >> 32 == 0 and int(ip) > 1 else None)
        if embedded is not None:
            ip = embedded
    return ip.is_global and not ip.is_multicast


async def checked_addresses(host: str, port: int, allow_private: bool) -> list[str]:
    """The addresses `host` resolves to, all of them allowed; AddressRefused if any is not
    (a name resolving to both a public and a private address is refused): a user's link or a
    peer must not make the server probe its own network. Callers connect to one of these
    very addresses, never to a second lookup's (whose answer could differ: DNS rebinding)."""
    addresses = await _addresses(host, port)
    if not addresses:
        raise FetchRefused(f"cannot resolve {host}")
    if not allow_private and not all(address_allowed(a) for a in addresses):
        raise AddressRefused(f"{host} is not a public address")
    return addresses


async def _addresses(host: str, port: int) -> list[str]:
    """What the resolver answers for `host` (the one lookup a fetch makes)."""
    try:  # an address is its own answer: no lookup (a thread hop) for it
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port,
                                                             type=socket.SOCK_STREAM)
    except OSError as error:
        raise FetchRefused(f"cannot resolve {host}") from error
    return [str(info[4][0]) for info in infos]


async def _checked_address(host: str, port: int, allow_private: bool) -> str:
    """The address to connect to (see checked_addresses)."""
    return (await checked_addresses(host, port, allow_private))[0]


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for the process: making one (reading the CA bundle) costs tens of ms,
    more than a whole push on an idle server."""
    return httpx.create_ssl_context()


async def post_bytes(url: str, content: bytes, headers: dict[str, str], *,
                     allow_private: bool = False, wait_s: float = TIMEOUT_S) -> int:
    """POST `content` to `url` (no redirects followed), through the same address check as
    fetches; the answer's status, or FetchRefused (refused address, network error, timeout)."""
    host, port = _target(url)
    pinned, host_header, extensions = _pinned(url, await _checked_address(host, port,
                                                                          allow_private))
    try:
        async with httpx.AsyncClient(timeout=wait_s, follow_redirects=False,
                                     verify=_tls()) as client:
            response = await client.post(pinned, content=content,
                                         headers={**headers, **host_header},
                                         extensions=extensions)
    except httpx.HTTPError as error:
        raise FetchRefused(str(error) or type(error).__name__) from error
    return response.status_code


def _target(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused("only http(s) URLs are fetched")
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def _pinned(url: str, address: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """`url` aimed at `address`, with the Host header and the TLS server name (which the
    certificate is checked against) still the URL's own host."""
    parts = urlsplit(url)
    netloc = f"[{address}]" if ":" in address else address
    if parts.port:
        netloc += f":{parts.port}"
    host = parts.netloc.rsplit("@", 1)[-1]
    return (urlunsplit(parts._replace(netloc=netloc)), {"host": host},
            {"sni_hostname": parts.hostname or ""})


@dataclass(frozen=True)
class Fetched:
    """A page or file as fetched: where it was finally found (after redirects), its type,
    its bytes (`text`: decoded as the response said)."""

    url: str
    content_type: str
    content: bytes
    encoding: str = "utf-8"

    @property
    def text(self) -> str:
        return self.content.decode(self.encoding, errors="replace")


async def _body_of(response: httpx.Response, url: str, accept: tuple[str, ...],
                   max_bytes: int, whole: bool) -> Fetched:
    """The body a final (non-redirect) response carries, at most `max_bytes` of it (`whole`:
    a longer body is refused instead of cut)."""
    if response.status_code != 200:
        raise FetchRefused(f"status {response.status_code}")
    content_type = response.headers.get("content-type", "text/html")
    if not any(kind in content_type for kind in accept):
        raise FetchRefused(f"not a {' or '.join(accept)} page")
    declared = ascii_int(response.headers.get("content-length"))
    if whole and declared is not None and declared > max_bytes:
        raise FetchRefused("too large")
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > max_bytes:
            if whole:
                raise FetchRefused("too large")
            break
    return Fetched(url, content_type, bytes(body[:max_bytes]), response.encoding or "utf-8")


async def fetch_page(url: str, *, allow_private: bool = False, accept: tuple[str, ...] = (
                     "html",), max_bytes: int = MAX_BYTES, whole: bool = False,
                     user_agent: str = USER_AGENT) -> Fetched:
    """The page (or file: an image) at `url` (following up to MAX_REDIRECTS redirects, each
    checked) when its content type contains one of `accept`; at most `max_bytes` of it
    (`whole`: refused when longer); FetchRefused otherwise."""
    async with httpx.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False,
                                 headers={"user-agent": user_agent}) as client:
        for _ in range(MAX_REDIRECTS + 1):
            host, port = _target(url)
            pinned, headers, extensions = _pinned(
                url, await _checked_address(host, port, allow_private))
            try:
                async with client.stream("GET", pinned, headers=headers,
                                         extensions=extensions) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        continue
                    return await _body_of(response, url, accept, max_bytes, whole)
            except httpx.HTTPError as error:
                raise FetchRefused(str(error) or type(error).__name__) from error
    raise FetchRefused("too many redirects")


async def fetch_html(url: str, *, allow_private: bool = False) -> str:
    """The HTML of the page at `url` (following up to MAX_REDIRECTS redirects, each checked),
    at most MAX_BYTES of it; FetchRefused otherwise."""
    return (await fetch_page(url, allow_private=allow_private)).text
