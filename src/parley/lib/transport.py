"""An HTTP client for talking to other servers many times over (federation's deliveries and
fetches): connections are pooled and reused, and every connection, whatever URL or redirect
led to it, is made only to an address the check allows (no loopback, private, link-local
or reserved address unless allowed; IPv4-mapped and IPv4-compatible IPv6 forms are judged by
the IPv4 address inside). The check sits where connections are made, so the hostname stays in
the URL: TLS is verified against it and pooling is per host."""

from __future__ import annotations

import functools
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from parley.lib.fetch import AddressRefused, checked_addresses


class _CheckedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to checked addresses: to the very address checked (no second lookup,
    whose answer could differ: DNS rebinding)."""

    def __init__(self, allow_private: bool) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._allow_private = allow_private

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None
                          ) -> httpcore.AsyncNetworkStream:
        addresses = await checked_addresses(host, port, self._allow_private)
        return await self._inner.connect_tcp(addresses[0], port, timeout=timeout,
                                             local_address=local_address,
                                             socket_options=socket_options)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,  # noqa: ASYNC109
                                  socket_options: Iterable[Any] | None = None
                                  ) -> httpcore.AsyncNetworkStream:
        raise AddressRefused("no Unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@functools.cache
def tls_context(ca_bundle: str = "") -> ssl.SSLContext:
    """The TLS context peers are verified with (the system's store, or `ca_bundle`): one per
    bundle and process, since making one (reading the bundle) costs tens of milliseconds."""
    return httpx.create_ssl_context(verify=ca_bundle or True, trust_env=False)


class _CheckedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, *, allow_private: bool, ca_bundle: str, limits: httpx.Limits) -> None:
        verify = tls_context(ca_bundle)
        super().__init__(verify=verify, limits=limits, trust_env=False)
        # httpx builds its pool without a way to pass a network backend: rebuild it with one.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=verify,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_CheckedBackend(allow_private))


def checked_client(*, allow_private: bool = False, ca_bundle: str = "",
                   timeout: float = 10.0, max_connections: int = 100,
                   max_keepalive: int | None = None,
                   user_agent: str = "Parley") -> httpx.AsyncClient:
    """A pooled client whose every connection is address-checked, keeping up to
    `max_keepalive` idle connections (default: max_connections). Redirects are not
    followed (callers that follow them check each hop's origin themselves)."""
    keepalive = max_connections if max_keepalive is None else max_keepalive
    limits = httpx.Limits(max_connections=max_connections,
                          max_keepalive_connections=keepalive, keepalive_expiry=30)
    transport = _CheckedTransport(allow_private=allow_private, ca_bundle=ca_bundle,
                                  limits=limits)
    return httpx.AsyncClient(transport=transport, timeout=timeout, follow_redirects=False,
                             headers={"user-agent": user_agent}, trust_env=False)
