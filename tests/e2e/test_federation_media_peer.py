"""Remote media from a peer that misbehaves: a tiny actor and file server on 127.0.0.1 (the
test's) delivers a signed Create of a Note with six attachments to a running Parley. Four are
kept (as Mastodon shows); a PNG declared a GIF is sniffed and stored as the image it is; a
file declaring a length past the cap, and a page that is no media, fail at once; a server
answering 503 is asked again later. Nothing is ever a server error."""

from __future__ import annotations

import io
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest
from PIL import Image
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from e2e.test_federation_signatures import Peer, deliver, signed_cavage
from support.clients import Clients, SchemaLog, TestUser, eventually
from support.database import ServerDatabase
from support.server import LiveServer, run_server
from support.signing import AS_JSON
from support.signing_keys import TEST_PUBLIC_KEY

FEDERATING = {"PARLEY_FEDERATION_INSECURE_PEERS": "1"}
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(out, "PNG")
    return out.getvalue()


PNG = _png()


class _PeerHandler(BaseHTTPRequestHandler):
    """ann's actor document, and her files (some of them broken)."""

    def do_GET(self) -> None:
        host = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
        path = self.path.split("?")[0]
        if path == "/users/ann":
            actor = f"{host}/users/ann"
            self._send(200, orjson.dumps({
                "@context": ["https://www.w3.org/ns/activitystreams",
                             "https://w3id.org/security/v1"],
                "id": actor, "type": "Person", "preferredUsername": "ann",
                "inbox": f"{actor}/inbox", "outbox": f"{actor}/outbox",
                "publicKey": {"id": f"{actor}#main-key", "owner": actor,
                              "publicKeyPem": TEST_PUBLIC_KEY}}), AS_JSON)
        elif path.startswith("/files/square"):
            self._send(200, PNG, "image/gif")
        elif path == "/files/huge.png":
            self._send(200, PNG, "image/png", length=50_000_000)
        elif path == "/files/page.png":
            self._send(200, b"<!doctype html><title>not an image</title>", "image/png")
        elif path == "/files/failing.png":
            self._send(503, b"", "text/plain")
        else:
            self._send(404, b"", "text/plain")

    def _send(self, status: int, body: bytes, kind: str, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(length or len(body)))
        self.send_header("connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Peer]]:
    files = ThreadingHTTPServer(("127.0.0.1", 0), _PeerHandler)
    thread = threading.Thread(target=files.serve_forever, daemon=True)
    thread.start()
    try:
        with run_server(tmp_path_factory.mktemp("media-peer"), extra_env=FEDERATING) as server:
            yield server, Peer(f"http://127.0.0.1:{files.server_address[1]}",
                               f"{server.base_url}/inbox")
            assert "Traceback" not in server.log_tail(5000), server.log_tail(200)
    finally:
        files.shutdown()
        files.server_close()
        thread.join(timeout=10)


def _attachment(peer: Peer, name: str, declared: str, description: str) -> dict[str, Any]:
    return {"type": "Document", "mediaType": declared, "url": f"{peer.base}/files/{name}",
            "name": description, "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
            "focalPoint": [0.25, -0.5]}


def _create(peer: Peer, reader: TestUser, server: LiveServer) -> bytes:
    reader_uri = f"{server.base_url}/users/{reader.username}"
    note = {
        "id": f"{peer.base}/notes/{uuid.uuid4()}", "type": "Note",
        "attributedTo": peer.actor, "to": [PUBLIC], "cc": [reader_uri],
        "content": "<p>six files for you</p>",
        "tag": [{"type": "Mention", "href": reader_uri, "name": f"@{reader.username}"}],
        "attachment": [
            _attachment(peer, "square.gif", "image/gif", "a green square"),
            _attachment(peer, "huge.png", "image/png", "too large"),
            _attachment(peer, "page.png", "image/png", "no image at all"),
            _attachment(peer, "failing.png", "image/png", "on a failing server"),
            _attachment(peer, "square-5.png", "image/png", "fifth"),
            _attachment(peer, "square-6.png", "image/png", "sixth")]}
    return orjson.dumps({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{peer.base}/activities/{uuid.uuid4()}", "type": "Create",
        "actor": peer.actor, "to": [PUBLIC], "cc": [reader_uri], "object": note})


def _states(server: LiveServer, ids: list[str]) -> dict[str, str]:
    database = ServerDatabase(server.database_url)

    async def read(session: AsyncSession) -> dict[str, str]:
        rows = await session.execute(text(
            "SELECT id, state FROM media_attachments WHERE id IN "
            f"({', '.join(str(int(i)) for i in ids)})"))
        return {str(row[0]): str(row[1]) for row in rows}

    async def retries(session: AsyncSession) -> list[str]:
        return [str(p) for p in (await session.scalars(text(
            "SELECT payload FROM jobs WHERE kind = 'media.fetch_remote'"))).all()]

    try:
        states = database.read(read)
        states["retries"] = " ".join(database.read(retries))
        return states
    finally:
        database.loop.run_until_complete(database.db.dispose())
        database.loop.close()


def test_a_misbehaving_peers_files(live: tuple[LiveServer, Peer], schema_log: SchemaLog
                                   ) -> None:
    server, peer = live
    reader = Clients(server, schema_log).new_user("lea")
    body = _create(peer, reader, server)
    assert deliver(peer, body, signed_cavage(peer, body)).status_code == 202

    def first_processed() -> list[dict[str, Any]] | None:
        mentions = list(reader.api.notifications(types=["mention"]))
        if not mentions:
            return None
        media = list(mentions[0]["status"]["media_attachments"])
        return media if media[0]["url"] else None

    media = eventually(first_processed, timeout=60)
    assert media, server.log_tail(3000)
    assert [m["description"] for m in media] == [
        "a green square", "too large", "no image at all", "on a failing server"]
    square = media[0]
    assert square["type"] == "image"  # sniffed: a PNG, whatever it was declared
    assert square["url"].startswith(server.base_url)
    assert square["remote_url"] == f"{peer.base}/files/square.gif"
    assert square["meta"]["focus"] == {"x": 0.25, "y": -0.5}
    assert square["meta"]["original"]["width"] == 40
    for broken in media[1:]:
        assert broken["url"] is None and broken["preview_url"] is None
        assert broken["remote_url"].startswith(f"{peer.base}/files/")

    ids = [m["id"] for m in media]
    states = eventually(lambda: (lambda found: found if found[ids[1]] == "failed"
                                 and found[ids[2]] == "failed" else None)(
        _states(server, ids)), timeout=20)
    assert states, "the broken files were not marked failed"
    assert states[ids[0]] == "done"
    assert states[ids[3]] == "processing"  # its server failed: asked again later
    assert ids[3] in states["retries"] and "attempt" in states["retries"]
