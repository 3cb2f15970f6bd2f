"""The deliveries' lean HTTP/1.1 poster (lib/h1client) against a real server on 127.0.0.1
that answers as each test tells it: kept-alive connections reused per origin, answers of
every framing read to their end (or the connection closed), a connection the server closed
while idle replaced without a failure, the address check, bad answers and timeouts failing
as PostFailed, nothing but a well-formed request line and headers sent."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from parley.lib.fetch import AddressRefused
from parley.lib.h1client import Poster, PostFailed, origin_and_target

Answer = Callable[[bytes], Awaitable[bytes]]  # the request's head -> the raw answer


@dataclass
class Server:
    """A loopback server: each request's head and body recorded, answered by `answer`."""

    answer: Answer
    connections: int = 0
    requests: list[tuple[bytes, bytes]] = field(default_factory=list)
    close_after_answer: bool = False

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                body = await reader.readexactly(length)
                self.requests.append((head, body))
                writer.write(await self.answer(head))
                await writer.drain()
                if self.close_after_answer:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def _answered(raw: bytes) -> Answer:
    async def answer(_head: bytes) -> bytes:
        return raw
    return answer


ACCEPTED = b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n"


async def _with_server(server: Server, body: Callable[[str, Poster], Awaitable[None]], *,
                       allow_private: bool = True, wait_s: float = 5.0) -> None:
    listening = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    poster = Poster(allow_private=allow_private, ssl_context=ssl.create_default_context(),
                    user_agent="test", timeout=wait_s)
    try:
        await body(f"http://127.0.0.1:{port}", poster)
    finally:
        await poster.aclose()
        listening.close()
        await listening.wait_closed()


def _post(poster: Poster, url: str) -> Awaitable[int]:
    return poster.post(url, b'{"type":"Create"}', {"host": "example.test",
                                                    "content-type": "application/activity+json"})


def test_connections_are_kept_alive_and_reused_per_origin() -> None:
    server = Server(_answered(ACCEPTED))

    async def body(base: str, poster: Poster) -> None:
        assert [await _post(poster, f"{base}/inbox") for _ in range(3)] == [202, 202, 202]

    asyncio.run(_with_server(server, body))
    assert server.connections == 1
    head, sent = server.requests[0]
    assert head.startswith(b"POST /inbox HTTP/1.1\r\n")
    assert b"\r\nhost: example.test\r\n" in head and b"\r\ncontent-length: 17\r\n" in head
    assert sent == b'{"type":"Create"}'


@pytest.mark.parametrize("raw", [
    b"HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\nhello there",
    b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=1\r\n there\r\n"
    b"0\r\ntrailer: yes\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
])
def test_answers_of_every_framing_are_read_to_their_end(raw: bytes) -> None:
    server = Server(_answered(raw))

    async def body(base: str, poster: Poster) -> None:
        first, second = await _post(poster, f"{base}/a"), await _post(poster, f"{base}/b")
        assert first == second == int(raw.rsplit(b"HTTP/1.1 ", 1)[1][:3])

    asyncio.run(_with_server(server, body))
    assert server.connections == 1  # the body was read: the connection could be used again


@pytest.mark.parametrize("raw", [
    b"HTTP/1.0 202 Accepted\r\ncontent-length: 0\r\n\r\n",
    b"HTTP/1.1 202 Accepted\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
    b"HTTP/1.1 202 Accepted\r\ncontent-length: 9999999\r\n\r\n...",
])
def test_answers_that_end_their_connection_are_not_reused(raw: bytes) -> None:
    server = Server(_answered(raw))

    async def body(base: str, poster: Poster) -> None:
        assert await _post(poster, f"{base}/inbox") == 202
        assert await _post(poster, f"{base}/inbox") == 202

    asyncio.run(_with_server(server, body))
    assert server.connections == 2


def test_a_connection_the_server_closed_while_idle_is_replaced() -> None:
    server = Server(_answered(ACCEPTED), close_after_answer=True)

    async def body(base: str, poster: Poster) -> None:
        assert await _post(poster, f"{base}/inbox") == 202
        await asyncio.sleep(0.05)  # the server has closed it
        assert await _post(poster, f"{base}/inbox") == 202

    asyncio.run(_with_server(server, body))
    assert server.connections == 2


@pytest.mark.parametrize("raw", [b"SMTP ready\r\n\r\n", b"HTTP/1.1 20x Hm\r\n\r\n",
                                 b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
                                 b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort"])
def test_malformed_answers_fail(raw: bytes) -> None:
    server = Server(_answered(raw), close_after_answer=True)

    async def body(base: str, poster: Poster) -> None:
        with pytest.raises(PostFailed):
            await _post(poster, f"{base}/inbox")

    asyncio.run(_with_server(server, body))


def test_no_answer_in_time_fails() -> None:
    async def never(_head: bytes) -> bytes:
        await asyncio.sleep(10)
        return ACCEPTED

    async def body(base: str, poster: Poster) -> None:
        with pytest.raises(PostFailed):
            await _post(poster, f"{base}/inbox")

    asyncio.run(_with_server(Server(never), body, wait_s=0.2))


def test_a_refused_connection_fails() -> None:
    async def body() -> None:
        poster = Poster(allow_private=True, ssl_context=ssl.create_default_context(),
                        user_agent="test")
        with pytest.raises(PostFailed):
            await _post(poster, "http://127.0.0.1:1/inbox")

    asyncio.run(body())


def test_private_addresses_are_refused_unless_allowed() -> None:
    server = Server(_answered(ACCEPTED))

    async def body(base: str, poster: Poster) -> None:
        with pytest.raises(AddressRefused):
            await _post(poster, f"{base}/inbox")

    asyncio.run(_with_server(server, body, allow_private=False))
    assert server.connections == 0


def test_kept_connections_are_capped_least_recently_used_first() -> None:
    server = Server(_answered(ACCEPTED))

    async def body() -> None:
        listening = await asyncio.start_server(server.handle, "0.0.0.0", 0)
        port = listening.sockets[0].getsockname()[1]
        poster = Poster(allow_private=True, ssl_context=ssl.create_default_context(),
                        user_agent="test", max_idle=1)
        try:
            # Two origins (two loopback addresses), one connection kept: the first origin's
            # goes when the second's is kept, so the third post connects again.
            for host in ("127.0.0.1", "127.0.0.2", "127.0.0.1"):
                assert await _post(poster, f"http://{host}:{port}/inbox") == 202
        finally:
            await poster.aclose()
            listening.close()
            await listening.wait_closed()

    asyncio.run(body())
    assert server.connections == 3


def test_urls_and_headers_are_sent_only_as_a_request_may_carry_them() -> None:
    assert origin_and_target("https://x.test/users/@ann/inbox/?a=b c")[1] == \
        "/users/@ann/inbox/?a=b%20c"
    assert origin_and_target("http://x.test")[1] == "/"
    for url in ("ftp://x.test/inbox", "http:///inbox", "http://x.test:99999/inbox",
                "http://[::1/inbox"):
        with pytest.raises(AddressRefused):
            origin_and_target(url)

    async def body() -> None:
        poster = Poster(allow_private=True, ssl_context=ssl.create_default_context(),
                        user_agent="test")
        with pytest.raises(AddressRefused):
            await poster.post("http://127.0.0.1:1/inbox", b"", {"x": "a\r\nevil: 1"})

    asyncio.run(body())
