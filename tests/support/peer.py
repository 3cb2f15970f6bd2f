"""A remote actor served by the test on 127.0.0.1 (signing with the fixed test key), for
sending a Parley server what another server might: its actor document (with the
collections Mastodon's name) and an inbox that takes anything."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import orjson

from support.signing import AS_JSON, cavage
from support.signing_keys import TEST_PUBLIC_KEY

USERNAME = "zed"


@dataclass
class Peer:
    """The test's remote server: its base URL and its one actor."""

    base: str

    @property
    def actor(self) -> str:
        return f"{self.base}/users/{USERNAME}"

    @property
    def handle(self) -> str:
        return f"{USERNAME}@{self.base.removeprefix('http://')}"


class _ActorHandler(BaseHTTPRequestHandler):
    """Serves the actor's document; its inbox takes anything."""

    def _actor(self) -> dict[str, Any]:
        host = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
        actor = f"{host}/users/{USERNAME}"
        return {"@context": ["https://www.w3.org/ns/activitystreams",
                             "https://w3id.org/security/v1"],
                "id": actor, "type": "Person", "preferredUsername": USERNAME,
                "inbox": f"{actor}/inbox", "followers": f"{actor}/followers",
                "featured": f"{actor}/collections/featured",
                "publicKey": {"id": f"{actor}#main-key", "owner": actor,
                              "publicKeyPem": TEST_PUBLIC_KEY}}

    def do_GET(self) -> None:
        if self.path.split("?")[0] != f"/users/{USERNAME}":
            self.send_error(404)
            return
        body = orjson.dumps(self._actor())
        self.send_response(200)
        self.send_header("content-type", AS_JSON)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(202)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return None


@contextmanager
def serving_peer() -> Iterator[Peer]:
    actors = ThreadingHTTPServer(("127.0.0.1", 0), _ActorHandler)
    thread = threading.Thread(target=actors.serve_forever, daemon=True)
    thread.start()
    try:
        yield Peer(f"http://127.0.0.1:{actors.server_address[1]}")
    finally:
        actors.shutdown()
        actors.server_close()
        thread.join(timeout=10)


def send(peer: Peer, inbox: str, activity: dict[str, Any], *, named: bool = True) -> None:
    """POST a signed activity of the peer's actor to `inbox` (`named` False: without an
    id, as Mastodon sends its Add and Remove)."""
    document: dict[str, Any] = {"@context": "https://www.w3.org/ns/activitystreams",
                                "actor": peer.actor, **activity}
    if named:
        document["id"] = f"{peer.base}/activities/{uuid.uuid4()}"
    body = orjson.dumps(document)
    headers = cavage("POST", inbox, body=body, key_id=f"{peer.actor}#main-key",
                     date=datetime.now(UTC))
    with httpx.Client(timeout=20) as http:
        response = http.post(inbox, content=body, headers=headers)
    assert response.status_code == 202, response.text
