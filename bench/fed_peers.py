"""The other servers of the federation benchmark, in one cheap process: an HTTP/1.1 server
on asyncio's bare protocol (no framework: its CPU must not be what is measured) that answers
for every loopback address at once. Bound to 0.0.0.0 on one port, it is each 127.x.y.z:PORT,
so a thousand loopback addresses are a thousand servers (domains) to Parley.

    python -m bench.fed_peers --port 3200 [--documents docs.json]

Any POST is a delivery: answered 202, counted with its bytes, its Host (the server it was
for) and its Host plus path (the inbox), the wall-clock times of the first and last. A GET
is served from `--documents` (a JSON object of path -> ActivityStreams document: a fake
actor whose key Parley fetches), except GET /_stats (the counts, as JSON) and GET /_reset.
Signatures are not checked (Parley's own tests do that); each request's signature header is
only counted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import Any

AS_JSON = "application/activity+json"
MAX_HEAD = 64 * 1024


class Counts:
    """What has been delivered, and the documents served."""

    def __init__(self, documents: dict[str, Any]) -> None:
        self.documents = {path: json.dumps(doc).encode() for path, doc in documents.items()}
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.signed = 0
        self.bytes = 0
        self.hosts: set[str] = set()
        self.inboxes: set[str] = set()
        self.first: float | None = None
        self.last: float | None = None
        self.fetches = 0

    def stats(self) -> dict[str, Any]:
        return {"requests": self.requests, "signed": self.signed, "bytes": self.bytes,
                "hosts": len(self.hosts), "inboxes": len(self.inboxes),
                "first": self.first, "last": self.last, "fetches": self.fetches}

    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes
               ) -> tuple[int, bytes]:
        if method == "POST":
            now = time.time()
            self.requests += 1
            self.signed += "signature" in headers or "signature-input" in headers
            self.bytes += len(body)
            host = headers.get("host", "")
            self.hosts.add(host)
            self.inboxes.add(host + target)
            self.first = self.first or now
            self.last = now
            return 202, b""
        if target == "/_stats":
            return 200, json.dumps(self.stats()).encode()
        if target == "/_reset":
            self.reset()
            return 200, b"{}"
        found = self.documents.get(target.split("?", 1)[0])
        if found is None:
            return 404, b""
        self.fetches += 1
        return 200, found


REASONS = {200: "OK", 202: "Accepted", 400: "Bad Request", 404: "Not Found"}


class Peer(asyncio.Protocol):
    """One connection: requests read as they come (keep-alive), each answered at once."""

    def __init__(self, counts: Counts) -> None:
        self.counts = counts
        self.buffer = bytearray()
        self.transport: Any = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # uvloop's transports are no asyncio.Transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self._one():
            pass
        if len(self.buffer) > MAX_HEAD and self.buffer.find(b"\r\n\r\n") < 0:
            self._send(400, b"", close=True)

    def _one(self) -> bool:
        """Answer the first complete request in the buffer; False when none is."""
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length") or 0)
        if len(self.buffer) < end + 4 + length:
            return False
        body = bytes(self.buffer[end + 4:end + 4 + length])
        del self.buffer[:end + 4 + length]
        parts = lines[0].split(" ")
        if len(parts) != 3:
            self._send(400, b"", close=True)
            return False
        status, payload = self.counts.answer(parts[0], parts[1], headers, body)
        self._send(status, payload, close=headers.get("connection", "").lower() == "close")
        return True

    def _send(self, status: int, payload: bytes, *, close: bool) -> None:
        kind = AS_JSON if payload and status == 200 else "application/json"
        head = (f"HTTP/1.1 {status} {REASONS.get(status, 'OK')}\r\ncontent-type: {kind}\r\n"
                f"content-length: {len(payload)}\r\n"
                f"connection: {'close' if close else 'keep-alive'}\r\n\r\n")
        self.transport.write(head.encode() + payload)
        if close:
            self.transport.close()


async def serve(port: int, documents: dict[str, Any]) -> None:
    counts = Counts(documents)
    loop = asyncio.get_running_loop()
    # Every loopback address (127/8) on one port: each is a server of its own to Parley.
    server = await loop.create_server(lambda: Peer(counts), "0.0.0.0", port, backlog=4096,
                                      reuse_address=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=3200)
    parser.add_argument("--documents", type=Path)
    options = parser.parse_args()
    documents = json.loads(options.documents.read_text()) if options.documents else {}
    try:
        import uvloop

        uvloop.run(serve(options.port, documents))
    except ImportError:
        asyncio.run(serve(options.port, documents))


if __name__ == "__main__":
    main()
