"""Signed deliveries to the shared inbox of a running server, as a peer makes them: a tiny
actor served on 127.0.0.1 by the test (its document carries the fixed test key) signs
activities with draft-cavage and RFC 9421. Valid ones are answered 202; a wrong key, an
activity whose actor is not the key's owner, an unsigned digest, a stale date, a replayed
body and duplicate parameters are answered 401."""

from __future__ import annotations

import base64
import hashlib
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import orjson
import pytest

from parley.federation.rfc9421 import sign_rfc9421
from parley.federation.signatures import digest_header
from support.server import run_server
from support.signing import AS_JSON, cavage
from support.signing_keys import OTHER_PRIVATE_KEY, TEST_PRIVATE_KEY, TEST_PUBLIC_KEY

FEDERATING = {"PARLEY_FEDERATION_INSECURE_PEERS": "1"}


@dataclass(frozen=True)
class Peer:
    """The test's actor: its URI, its key id, and where the server under test takes
    deliveries."""

    base: str
    inbox: str

    @property
    def actor(self) -> str:
        return f"{self.base}/users/ann"

    @property
    def key_id(self) -> str:
        return f"{self.actor}#main-key"


class _ActorHandler(BaseHTTPRequestHandler):
    """Serves ann's actor document (with the fixed test key); nothing else."""

    def do_GET(self) -> None:
        host = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
        actor = f"{host}/users/ann"
        if self.path.split("?")[0] != "/users/ann":
            self.send_error(404)
            return
        body = orjson.dumps({
            "@context": ["https://www.w3.org/ns/activitystreams",
                         "https://w3id.org/security/v1"],
            "id": actor, "type": "Person", "preferredUsername": "ann",
            "inbox": f"{actor}/inbox", "outbox": f"{actor}/outbox",
            "publicKey": {"id": f"{actor}#main-key", "owner": actor,
                          "publicKeyPem": TEST_PUBLIC_KEY}})
        self.send_response(200)
        self.send_header("content-type", AS_JSON)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture(scope="module")
def peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peer]:
    actors = ThreadingHTTPServer(("127.0.0.1", 0), _ActorHandler)
    thread = threading.Thread(target=actors.serve_forever, daemon=True)
    thread.start()
    try:
        with run_server(tmp_path_factory.mktemp("signatures"), extra_env=FEDERATING) as live:
            yield Peer(f"http://127.0.0.1:{actors.server_address[1]}", f"{live.base_url}/inbox")
            # Refusals are answers, never failures of the server.
            assert "Traceback" not in live.log_tail(5000), live.log_tail(200)
    finally:
        actors.shutdown()
        actors.server_close()
        thread.join(timeout=10)


def activity(peer: Peer, actor: str | None = None) -> bytes:
    """A new activity (its own id: the inbox takes each activity once) of a type Parley
    drops quietly once received."""
    return orjson.dumps({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{peer.base}/activities/{uuid.uuid4()}", "type": "Like",
        "actor": actor or peer.actor, "object": f"{peer.base}/notes/1"})


def now() -> datetime:
    return datetime.now(UTC)


def deliver(peer: Peer, body: bytes, headers: dict[str, str]) -> httpx.Response:
    with httpx.Client(timeout=20) as http:
        return http.post(peer.inbox, content=body, headers=headers)


def signed_cavage(peer: Peer, body: bytes, **options: object) -> dict[str, str]:
    options.setdefault("date", now())
    return cavage("POST", peer.inbox, body=body, key_id=peer.key_id,
                  **options)  # type: ignore[arg-type]


def signed_rfc9421(peer: Peer, body: bytes | None, **options: object) -> dict[str, str]:
    headers = sign_rfc9421("POST", peer.inbox, key_id=peer.key_id,
                           private_key_pem=str(options.pop("private_key_pem", TEST_PRIVATE_KEY)),
                           body=body, **options)  # type: ignore[arg-type]
    return {**headers, "content-type": AS_JSON}


def refused(answer: httpx.Response, reason: str) -> None:
    assert answer.status_code == 401, answer.text
    assert reason in answer.text


def test_valid_deliveries_are_accepted(peer: Peer) -> None:
    body = activity(peer)
    assert deliver(peer, body, signed_cavage(peer, body)).status_code == 202
    body = activity(peer)
    assert deliver(peer, body, signed_cavage(peer, body, algorithm="hs2019")).status_code == 202
    body = activity(peer)
    assert deliver(peer, body, signed_rfc9421(peer, body)).status_code == 202


def test_wrong_key_is_refused(peer: Peer) -> None:
    body = activity(peer)
    refused(deliver(peer, body, signed_cavage(peer, body, private_key_pem=OTHER_PRIVATE_KEY)),
            "does not match the request")
    refused(deliver(peer, body, signed_rfc9421(peer, body, private_key_pem=OTHER_PRIVATE_KEY)),
            "does not match the request")


def test_an_activity_of_another_actor_is_refused(peer: Peer) -> None:
    body = activity(peer, actor=f"{peer.base}/users/eve")
    refused(deliver(peer, body, signed_cavage(peer, body)), "actor did not sign it")
    refused(deliver(peer, body, signed_rfc9421(peer, body)), "actor did not sign it")


def test_unsigned_digest_is_refused(peer: Peer) -> None:
    body = activity(peer)
    refused(deliver(peer, body, signed_cavage(peer, body, names=[
        "(request-target)", "host", "date"])), "must cover the body's digest")
    digest = f"sha-256=:{base64.b64encode(hashlib.sha256(body).digest()).decode()}:"
    refused(deliver(peer, body, signed_rfc9421(peer, None, headers={"content-digest": digest})),
            "must cover the body's content-digest")


def test_stale_date_is_refused(peer: Peer) -> None:
    body = activity(peer)
    refused(deliver(peer, body, signed_cavage(peer, body, date=now() - timedelta(hours=14))),
            "has expired")
    refused(deliver(peer, body, signed_rfc9421(peer, body, now=now() - timedelta(hours=14))),
            "has expired")


def test_replayed_body_is_refused(peer: Peer) -> None:
    signed, other = activity(peer), activity(peer)
    cavage_headers = signed_cavage(peer, signed)
    refused(deliver(peer, other, cavage_headers), "body does not match its digest")
    refused(deliver(peer, other, {**cavage_headers, "digest": digest_header(other)}),
            "does not match the request")
    refused(deliver(peer, other, signed_rfc9421(peer, signed)), "Content-Digest does not match")


def test_duplicate_parameters_are_refused(peer: Peer) -> None:
    body = activity(peer)
    refused(deliver(peer, body, signed_cavage(peer, body, extra=f',keyId="{peer.key_id}"')),
            "names keyId twice")
    headers = signed_rfc9421(peer, body)
    doubled = headers["signature-input"] + f';keyid="{peer.key_id}"'
    refused(deliver(peer, body, {**headers, "signature-input": doubled}),
            "names the parameter keyid twice")
