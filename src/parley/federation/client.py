"""The process's one HTTP client for other servers (per event loop): pooled connections,
every one address-checked (lib/transport), plain HTTP and loopback peers only where the
settings allow them (tests, local use)."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import httpx

from parley.config import VERSION, Settings
from parley.lib.fetch import AddressRefused
from parley.lib.transport import checked_client

_clients: dict[tuple[int, bool, str], httpx.AsyncClient] = {}
# Idle connections kept for reuse. Few: a post goes to many servers once each, and the
# pool (httpcore) looks over every connection it holds, checking each idle one's socket,
# whenever a request starts or ends; with 100 kept that took two thirds of a delivery's CPU
# (bench.federation outbound, a post to 1,000 servers: 5.8 ms CPU per delivery and 132
# deliveries/s with 100 kept; 1.7 ms and 409/s with 8).
KEEPALIVE = 8


def peer_client(settings: Settings) -> httpx.AsyncClient:
    """The shared client for this event loop and these settings."""
    key = (id(asyncio.get_running_loop()), settings.federation_insecure_peers,
           settings.federation_ca_bundle)
    client = _clients.get(key)
    if client is None or client.is_closed:
        client = _clients[key] = checked_client(
            allow_private=settings.federation_insecure_peers,
            ca_bundle=settings.federation_ca_bundle, max_keepalive=KEEPALIVE,
            user_agent=f"Parley/{VERSION} (+{settings.base_url}/)")
    return client


async def close_clients() -> None:
    """Close this loop's clients (on shutdown)."""
    loop = id(asyncio.get_running_loop())
    for key in [key for key in _clients if key[0] == loop]:
        await _clients.pop(key).aclose()


def check_scheme(url: str, settings: Settings) -> None:
    """Peers are reached over HTTPS; plain HTTP only where the settings allow it."""
    scheme = urlsplit(url).scheme
    if scheme != "https" and not (scheme == "http" and settings.federation_insecure_peers):
        raise AddressRefused(f"{url} is not an https URL")


def domain_of(url: str) -> str:
    """The host[:port] of a URL, lower-cased: a peer's name in handles and in `peers`."""
    return urlsplit(url).netloc.rsplit("@", 1)[-1].lower()
