"""The process's clients for other servers (per event loop): for fetches, pooled httpx
connections, every one address-checked (lib/transport); for deliveries, the lean keep-alive
poster (lib/h1client), through the same address check; plain HTTP and loopback peers only
where the settings allow them (tests, local use)."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import httpx

from parley.config import VERSION, Settings
from parley.lib.fetch import AddressRefused
from parley.lib.h1client import Poster
from parley.lib.transport import checked_client, tls_context

_clients: dict[tuple[int, bool, str], httpx.AsyncClient] = {}
_posters: dict[tuple[int, bool, str], Poster] = {}
# Idle connections the fetch client keeps for reuse. Few: the pool (httpcore) looks over every
# connection it holds, checking each idle one's socket, whenever a request starts or ends;
# with 100 kept that took two thirds of a delivery's CPU when deliveries went through it
# (bench.federation outbound, a post to 1,000 servers: 5.8 ms CPU per delivery and 132
# deliveries/s with 100 kept; 1.7 ms and 409/s with 8).
KEEPALIVE = 8
# Deliveries: requests in flight at once (every job of the process together), and idle
# connections kept (a post goes to each follower's server; the next one will too). The
# poster finds a kept connection by its origin, never by looking over the others.
DELIVERIES_IN_FLIGHT = 100
DELIVERY_CONNECTIONS_KEPT = 1024


def _key(settings: Settings) -> tuple[int, bool, str]:
    return (id(asyncio.get_running_loop()), settings.federation_insecure_peers,
            settings.federation_ca_bundle)


def _user_agent(settings: Settings) -> str:
    return f"Parley/{VERSION} (+{settings.base_url}/)"


def peer_client(settings: Settings) -> httpx.AsyncClient:
    """The shared fetch client for this event loop and these settings."""
    key = _key(settings)
    client = _clients.get(key)
    if client is None or client.is_closed:
        client = _clients[key] = checked_client(
            allow_private=settings.federation_insecure_peers,
            ca_bundle=settings.federation_ca_bundle, max_keepalive=KEEPALIVE,
            user_agent=_user_agent(settings))
    return client


def peer_poster(settings: Settings) -> Poster:
    """The shared delivery poster for this event loop and these settings."""
    key = _key(settings)
    poster = _posters.get(key)
    if poster is None or poster.closed:
        poster = _posters[key] = Poster(
            allow_private=settings.federation_insecure_peers,
            ssl_context=tls_context(settings.federation_ca_bundle),
            user_agent=_user_agent(settings), max_in_flight=DELIVERIES_IN_FLIGHT,
            max_idle=DELIVERY_CONNECTIONS_KEPT)
    return poster


async def close_clients() -> None:
    """Close this loop's clients (on shutdown)."""
    loop = id(asyncio.get_running_loop())
    for key in [key for key in _clients if key[0] == loop]:
        await _clients.pop(key).aclose()
    for key in [key for key in _posters if key[0] == loop]:
        await _posters.pop(key).aclose()


def check_scheme(url: str, settings: Settings) -> None:
    """Peers are reached over HTTPS; plain HTTP only where the settings allow it."""
    scheme = urlsplit(url).scheme
    if scheme != "https" and not (scheme == "http" and settings.federation_insecure_peers):
        raise AddressRefused(f"{url} is not an https URL")


def domain_of(url: str) -> str:
    """The host[:port] of a URL, lower-cased: a peer's name in handles and in `peers`."""
    return urlsplit(url).netloc.rsplit("@", 1)[-1].lower()
