"""A push service on 127.0.0.1 for tests: it keeps what Parley posts to each endpoint path
and answers with the status a test chose for that path (201 by default, as push services do);
`decrypt` opens a message with the subscriber's private keys, as the client would."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.hazmat.primitives.asymmetric import ec
from mastodon import Mastodon


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() when it arrived


@dataclass
class Receiver:
    base_url: str
    received: list[Received] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def endpoint(self, status: int = 201) -> str:
        """A fresh endpoint URL, answered with `status`."""
        path = f"/push/{secrets.token_hex(8)}"
        self.statuses[path] = status
        return self.base_url + path

    def messages(self, endpoint: str) -> list[Received]:
        path = endpoint.removeprefix(self.base_url)
        with self.lock:
            return [r for r in self.received if r.path == path]

    def wait(self, endpoint: str, count: int, timeout: float = 10.0) -> list[Received]:
        """The first `count` messages to `endpoint`, waiting up to `timeout` for them."""
        deadline = time.monotonic() + timeout
        while len(found := self.messages(endpoint)) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return found


def decrypt(api: Mastodon, message: Received, private: dict[str, Any]) -> dict[str, Any]:
    """The JSON a subscriber reads: legacy "aesgcm" through Mastodon.py (what clients using it
    do), RFC 8291 aes128gcm through http_ece with the subscriber's key and auth secret."""
    headers = message.headers
    if headers["content-encoding"] == "aesgcm":
        return dict(api.push_subscription_decrypt_push(
            message.body, private, headers["encryption"], headers["crypto-key"]))
    key = ec.derive_private_key(private["privkey"], ec.SECP256R1())
    plain = http_ece.decrypt(message.body, private_key=key, auth_secret=private["auth"],
                             version="aes128gcm")
    return dict(json.loads(plain))


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            with receiver.lock:
                receiver.received.append(Received(
                    self.path, {k.lower(): v for k, v in self.headers.items()}, body,
                    time.monotonic()))
            self.send_response(receiver.statuses.get(self.path, 404))
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    return Handler


@contextmanager
def push_receiver() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(Receiver("")))
    receiver = Receiver(f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
