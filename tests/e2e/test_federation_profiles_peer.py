"""A peer's profile as a running Parley (in authorized-fetch mode) keeps it, the peer being
a tiny actor and file server of the test's on 127.0.0.1 (two ports: two domains). ann's actor
lives on the first, her handle on the second (Mastodon's "WebFinger domain": the first's
WebFinger names her there, and the second's points back at her actor), so she is
ann@<second>. Her avatar is shown from Parley's own copy; the custom emoji of her name and of
a post she sends are listed with Parley's copies of their images. An account that blocks her
is a document she cannot fetch."""

from __future__ import annotations

import io
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import orjson
import pytest
from PIL import Image

from e2e.test_federation_signatures import Peer, deliver, signed_cavage
from support.clients import Clients, SchemaLog, eventually
from support.server import LiveServer, run_server
from support.signing import AS_JSON, cavage
from support.signing_keys import TEST_PUBLIC_KEY

FEDERATING = {"PARLEY_FEDERATION_INSECURE_PEERS": "1", "PARLEY_AUTHORIZED_FETCH": "1"}
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def _png(colour: str, size: tuple[int, int] = (40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


AVATAR, BLOBCAT = _png("orange", (80, 60)), _png("purple", (32, 32))


@dataclass
class _Ports:
    actor: int = 0  # where ann's actor lives
    handle: int = 0  # the domain of her handle


PORTS = _Ports()


def _base(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def _emoji_tag() -> dict[str, Any]:
    return {"id": f"{_base(PORTS.actor)}/emojis/blobcat", "type": "Emoji", "name": ":blobcat:",
            "icon": {"type": "Image", "mediaType": "image/png",
                     "url": f"{_base(PORTS.actor)}/files/blobcat.png"}}


class _PeerHandler(BaseHTTPRequestHandler):
    """ann's actor, files and WebFinger (answered on either port, as each domain would)."""

    def do_GET(self) -> None:
        port = self.server.server_address[1]
        parts = urlsplit(self.path)
        actor = f"{_base(PORTS.actor)}/users/ann"
        if parts.path == "/.well-known/webfinger":
            resource = parse_qs(parts.query).get("resource", [""])[0]
            if resource != f"acct:ann@127.0.0.1:{port}":
                self._send(404, b"", "text/plain")
                return
            self._send(200, orjson.dumps({
                "subject": f"acct:ann@127.0.0.1:{PORTS.handle}",
                "links": [{"rel": "self", "type": AS_JSON, "href": actor}]}),
                "application/jrd+json")
        elif parts.path == "/users/ann" and port == PORTS.actor:
            self._send(200, orjson.dumps({
                "@context": ["https://www.w3.org/ns/activitystreams",
                             "https://w3id.org/security/v1"],
                "id": actor, "type": "Person", "preferredUsername": "ann",
                "name": "Ann :blobcat:", "inbox": f"{actor}/inbox",
                "icon": {"type": "Image", "mediaType": "image/png",
                         "url": f"{_base(PORTS.actor)}/files/avatar.png"},
                "tag": [_emoji_tag()],
                "publicKey": {"id": f"{actor}#main-key", "owner": actor,
                              "publicKeyPem": TEST_PUBLIC_KEY}}), AS_JSON)
        elif parts.path == "/files/avatar.png":
            self._send(200, AVATAR, "image/png")
        elif parts.path == "/files/blobcat.png":
            self._send(200, BLOBCAT, "image/png")
        else:
            self._send(404, b"", "text/plain")

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(body)))
        self.send_header("connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Peer]]:
    peers = [ThreadingHTTPServer(("127.0.0.1", 0), _PeerHandler) for _ in range(2)]
    PORTS.actor, PORTS.handle = (peer.server_address[1] for peer in peers)
    threads = [threading.Thread(target=peer.serve_forever, daemon=True) for peer in peers]
    for thread in threads:
        thread.start()
    try:
        with run_server(tmp_path_factory.mktemp("profiles-peer"), extra_env=FEDERATING) as server:
            yield server, Peer(_base(PORTS.actor), f"{server.base_url}/inbox")
            assert "Traceback" not in server.log_tail(5000), server.log_tail(200)
    finally:
        for peer, thread in zip(peers, threads, strict=True):
            peer.shutdown()
            peer.server_close()
            thread.join(timeout=10)


def _colour(url: str) -> tuple[int, int, int]:
    image = Image.open(io.BytesIO(httpx.get(url, timeout=10).content)).convert("RGB")
    red, green, blue = image.getpixel((image.width // 2, image.height // 2))
    return red, green, blue


def test_the_handle_the_avatar_and_the_emoji(live: tuple[LiveServer, Peer],
                                             schema_log: SchemaLog) -> None:
    server, peer = live
    kit = Clients(server, schema_log).new_user("kit")
    found = kit.api.search_v2(peer.actor, resolve=True, result_type="accounts")["accounts"]
    assert found, server.log_tail(2000)
    assert found[0]["acct"] == f"ann@127.0.0.1:{PORTS.handle}"
    assert kit.api.account_lookup(f"ann@127.0.0.1:{PORTS.handle}")["id"] == found[0]["id"]

    def copied() -> dict[str, Any] | None:
        ann = kit.api.account(found[0]["id"])
        stored = ann["avatar"].startswith(f"{server.base_url}/media/avatars/")
        return ann if stored and ann["emojis"] else None

    ann = eventually(copied, timeout=30)
    assert ann, server.log_tail(2000)
    assert _colour(ann["avatar"])[0] > 200  # orange
    assert [e["shortcode"] for e in ann["emojis"]] == ["blobcat"]
    assert ann["emojis"][0]["url"].startswith(server.base_url)
    assert _colour(ann["emojis"][0]["url"])[2] > 100  # purple

    reader_uri = f"{server.base_url}/users/{kit.username}"
    body = orjson.dumps({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{peer.base}/activities/{uuid.uuid4()}", "type": "Create",
        "actor": peer.actor, "to": [PUBLIC], "cc": [reader_uri],
        "object": {
            "id": f"{peer.base}/notes/{uuid.uuid4()}", "type": "Note",
            "attributedTo": peer.actor, "to": [PUBLIC], "cc": [reader_uri],
            "content": "<p>hello :blobcat: and :unknown:</p>",
            "tag": [{"type": "Mention", "href": reader_uri, "name": f"@{kit.username}"},
                    _emoji_tag()]}})
    assert deliver(peer, body, signed_cavage(peer, body)).status_code == 202
    mention = eventually(lambda: list(kit.api.notifications(types=["mention"])), timeout=20)
    assert mention, server.log_tail(2000)
    status = mention[0]["status"]
    assert [e["shortcode"] for e in status["emojis"]] == ["blobcat"]
    assert status["emojis"][0]["url"] == ann["emojis"][0]["url"]
    assert [e["shortcode"] for e in status["account"]["emojis"]] == ["blobcat"]
    page = httpx.get(f"{server.base_url}/@{status['account']['acct']}/{status['id']}",
                     timeout=10)
    assert f'src="{ann["emojis"][0]["url"]}"' in page.text and ":unknown:" in page.text


def _signed_get(url: str) -> httpx.Response:
    headers = cavage("GET", url, key_id=f"{_base(PORTS.actor)}/users/ann#main-key",
                     date=datetime.now(UTC))
    return httpx.get(url, headers={**headers, "accept": AS_JSON}, timeout=10)


def test_a_blocking_account_is_no_document_to_the_blocked(live: tuple[LiveServer, Peer],
                                                          schema_log: SchemaLog) -> None:
    server, peer = live
    clients = Clients(server, schema_log)
    lou, mae = clients.new_user("lou"), clients.new_user("mae")
    found = lou.api.search_v2(peer.actor, resolve=True, result_type="accounts")["accounts"]
    assert found
    for user in (lou, mae):
        actor = f"{server.base_url}/users/{user.username}"
        assert _signed_get(actor).status_code == 200
        assert httpx.get(actor, headers={"accept": AS_JSON}, timeout=10).status_code == 401
    lou.api.account_block(found[0]["id"])
    lou_actor = f"{server.base_url}/users/{lou.username}"
    assert _signed_get(lou_actor).status_code == 404
    assert _signed_get(f"{lou_actor}/followers").status_code == 404
    assert _signed_get(f"{lou_actor}/outbox?page=true").status_code == 404
    assert _signed_get(f"{server.base_url}/users/{mae.username}").status_code == 200
