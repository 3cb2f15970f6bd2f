"""Many small POSTs to many servers (federation's deliveries): HTTP/1.1 over connections kept
alive per origin and reused, each one made only to an address lib/fetch's check allows (the
very address checked: no second lookup), the answer read for its status alone.

Why not httpx here: a delivery is one small POST whose answer's body nobody reads, and the
general client's per-request machinery (request and response objects, the pool's scan of every
connection, anyio's streams, h11's state machine) cost more CPU than the RSA signature itself.
This path has no redirects, cookies, proxies or streaming bodies: callers that need them
(fetches) keep using lib/transport's client, with the same address check.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from parley.lib.fetch import AddressRefused, FetchRefused, checked_addresses

MAX_HEAD = 64 * 1024  # an answer's status line and headers
MAX_DRAIN = 1 << 20  # an answer's body is read (and dropped) to keep its connection; larger: closed
# A path and query sent as given, but for what may not stand in a request line (spaces,
# control characters, non-ASCII): percent-encoded, as httpx did.
_SAFE = "!#$%&'()*+,/:;=?@[]~"


class PostFailed(FetchRefused):
    """No usable answer: the connection failed, timed out or the answer was malformed."""


@dataclass(frozen=True, slots=True)
class Origin:
    scheme: str
    host: str
    port: int


class _Connection:
    __slots__ = ("reader", "used_at", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.used_at = 0.0

    def usable(self) -> bool:
        return not (self.writer.is_closing() or self.reader.at_eof())

    def close(self) -> None:
        self.writer.close()


def origin_and_target(url: str) -> tuple[Origin, str]:
    """Where a URL's request goes, and its request line's target; AddressRefused for anything
    but an http(s) URL with a host."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:  # a malformed address or port
        raise AddressRefused(f"{url} is no valid URL") from error
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused(f"{url} is not an http(s) URL")
    target = quote(parts.path or "/", safe=_SAFE)
    if parts.query:
        target += "?" + quote(parts.query, safe=_SAFE)
    return Origin(parts.scheme, parts.hostname, port), target


def _head(target: str, headers: Mapping[str, str], length: int, user_agent: str) -> bytes:
    lines = [f"POST {target} HTTP/1.1"]
    for name, value in headers.items():
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name or ":" in name:
            raise AddressRefused("a header may not hold a line break")
        lines.append(f"{name}: {value}")
    if "user-agent" not in headers:
        lines.append(f"user-agent: {user_agent}")
    lines.append(f"content-length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class Poster:
    """The pool: kept-alive connections per origin (the most recently used reused first), at
    most `max_idle` kept in all (the least recently used closed first) and none idle longer
    than `idle_expiry` seconds; at most `max_in_flight` requests at once."""

    def __init__(self, *, allow_private: bool, ssl_context: ssl.SSLContext,
                 user_agent: str, timeout: float = 10.0, max_in_flight: int = 100,
                 max_idle: int = 1024, idle_expiry: float = 60.0) -> None:
        self._allow_private = allow_private
        self._ssl = ssl_context
        self._user_agent = user_agent
        self._timeout = timeout
        self._gate = asyncio.Semaphore(max_in_flight)
        self._max_idle = max_idle
        self._expiry = idle_expiry
        self._idle: dict[Origin, list[_Connection]] = {}
        self._order: OrderedDict[_Connection, Origin] = OrderedDict()  # oldest first
        self.closed = False

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        """POST `body` with `headers` (Host among them when it must differ from the URL's);
        the answer's status. AddressRefused for an address that may not be reached,
        PostFailed when no answer came."""
        origin, target = origin_and_target(url)
        request = _head(target, headers, len(body), self._user_agent) + body
        async with self._gate:
            try:
                async with asyncio.timeout(self._timeout):
                    return await self._exchange(origin, request)
            except TimeoutError as error:
                raise PostFailed(f"no answer from {origin.host} in time") from error

    async def _exchange(self, origin: Origin, request: bytes) -> int:
        while True:
            connection = self._take(origin)
            kept = connection is not None
            if connection is None:
                connection = await self._connect(origin)
            try:
                connection.writer.write(request)
                await connection.writer.drain()
                head = await connection.reader.readuntil(b"\r\n\r\n")
            except (OSError, asyncio.IncompleteReadError) as error:
                connection.close()
                if kept:  # the server closed it while idle: once more on a new one
                    continue
                raise PostFailed(f"{origin.host}: {error!r}") from error
            except BaseException:
                connection.close()
                raise
            return await self._finish(origin, connection, head)

    async def _finish(self, origin: Origin, connection: _Connection, head: bytes) -> int:
        try:
            status, keep = await _answer(connection.reader, head)
        except (OSError, ValueError, asyncio.IncompleteReadError,
                asyncio.LimitOverrunError) as error:
            connection.close()
            raise PostFailed(f"{origin.host}: a malformed answer ({error!r})") from error
        except BaseException:
            connection.close()
            raise
        if keep:
            self._keep(origin, connection)
        else:
            connection.close()
        return status

    async def _connect(self, origin: Origin) -> _Connection:
        address = (await checked_addresses(origin.host, origin.port, self._allow_private))[0]
        tls = origin.scheme == "https"
        try:
            reader, writer = await asyncio.open_connection(
                address, origin.port, ssl=self._ssl if tls else None,
                server_hostname=_server_name(origin.host) if tls else None, limit=MAX_HEAD)
        except OSError as error:  # refused, unreachable, TLS failures (ssl.SSLError)
            raise PostFailed(f"cannot connect to {origin.host}: {error!r}") from error
        return _Connection(reader, writer)

    def _take(self, origin: Origin) -> _Connection | None:
        kept = self._idle.get(origin)
        now = time.monotonic()
        while kept:
            connection = kept.pop()
            del self._order[connection]
            if connection.usable() and now - connection.used_at < self._expiry:
                return connection
            connection.close()
        return None

    def _keep(self, origin: Origin, connection: _Connection) -> None:
        if self.closed:
            connection.close()
            return
        connection.used_at = now = time.monotonic()
        self._idle.setdefault(origin, []).append(connection)
        self._order[connection] = origin
        while self._order:
            oldest, where = next(iter(self._order.items()))
            if len(self._order) <= self._max_idle and now - oldest.used_at < self._expiry:
                break
            del self._order[oldest]
            self._idle[where].remove(oldest)
            if not self._idle[where]:
                del self._idle[where]
            oldest.close()

    async def aclose(self) -> None:
        self.closed = True
        for connection in self._order:
            connection.close()
        self._order.clear()
        self._idle.clear()


def _server_name(host: str) -> str:
    """The TLS server name: the host as it is for an address, its IDNA form for a name."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        try:
            return host.encode("idna").decode("ascii")
        except UnicodeError as error:
            raise AddressRefused(f"{host} is no valid host name") from error
    return host


async def _answer(reader: asyncio.StreamReader, head: bytes) -> tuple[int, bool]:
    """The answer's status (informational answers skipped) and whether its connection may
    be used again, its body read and dropped."""
    status, keep, length, chunked = _parse_head(head)
    while 100 <= status < 200:
        status, keep, length, chunked = _parse_head(await reader.readuntil(b"\r\n\r\n"))
    if status in (204, 304):
        return status, keep
    if chunked:
        return status, keep and await _drain_chunked(reader)
    if length is None or length > MAX_DRAIN:
        return status, False  # its end is the connection's end (or it is too long to read)
    await reader.readexactly(length)
    return status, keep


def _parse_head(head: bytes) -> tuple[int, bool, int | None, bool]:
    """(status, keep-alive, content length, chunked) of an answer's head; ValueError when
    it is no HTTP/1.x answer."""
    lines = head[:-4].split(b"\r\n")
    version, _, rest = lines[0].partition(b" ")
    code = rest[:3]
    if version not in (b"HTTP/1.1", b"HTTP/1.0") or len(code) != 3 or not code.isdigit():
        raise ValueError("not an HTTP/1.x status line")
    fields: dict[bytes, bytes] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon:
            raise ValueError("a header line without a colon")
        name = name.strip().lower()
        value = value.strip()
        fields[name] = fields[name] + b"," + value if name in fields else value
    tokens = {token.strip().lower() for token in fields.get(b"connection", b"").split(b",")}
    keep = b"close" not in tokens if version == b"HTTP/1.1" else b"keep-alive" in tokens
    chunked = b"chunked" in fields.get(b"transfer-encoding", b"").lower()
    length = fields.get(b"content-length")
    return int(code), keep, (int(length) if length is not None and not chunked else None), \
        chunked


async def _drain_chunked(reader: asyncio.StreamReader) -> bool:
    """Read a chunked body to its end; False (the connection is closed instead) when it is
    longer than MAX_DRAIN."""
    total = 0
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0].strip(), 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                pass
            return True
        total += size
        if total > MAX_DRAIN:
            return False
        await reader.readexactly(size + 2)
