"""What HTTP signatures cost per call on one core: the bare RSA-2048 PKCS#1 v1.5 SHA-256
signature and verification with `cryptography`, then Parley's own work around them:
`sign_request` (a draft-cavage POST, its digest included), a full draft-cavage check (parse
and verify, as the inbox does once it holds the key) and the same for RFC 9421. The rows
take turns in several rounds; each row's median round, in µs per call, is printed.

    python -m bench.federation_crypto [--rounds 7] [--calls 200]

Keys are parsed once and cached, as in Parley; the key fetch is not counted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from parley.federation.rfc9421 import sign_rfc9421
from parley.federation.signatures import (
    IncomingRequest,
    private_key,
    public_key,
    sign_request,
)
from parley.federation.verify import parse_signature, verify_signature
from parley.lib.timefmt import utcnow

INBOX = "https://parley.example/inbox"
KEY_ID = "https://peer.example/users/ann#main-key"
# A typical Create(Note) delivery's size.
BODY = b'{"type": "Create", "object": {"content": "' + b"x" * 1500 + b'"}}'
# What a draft-cavage POST signs (the bare RSA rows sign and verify this).
SIGNING_STRING = (b"(request-target): post /inbox\nhost: parley.example\n"
                  b"date: Mon, 02 Nov 2026 12:00:00 GMT\n"
                  b"digest: SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=\n"
                  b"content-type: application/activity+json")


def per_call_us(rows: Mapping[str, Callable[[], object]], rounds: int, calls: int
                ) -> dict[str, float]:
    """Each row's median over `rounds` of the mean µs per call of `calls` calls, after a
    warm-up round. The rows take turns within each round, so that a machine's drift
    spreads over all of them instead of landing on one."""
    results: dict[str, list[float]] = {name: [] for name in rows}
    for round_ in range(rounds + 1):
        for name, work in rows.items():
            started = time.perf_counter_ns()
            for _ in range(calls):
                work()
            if round_:
                results[name].append((time.perf_counter_ns() - started) / calls / 1000)
    return {name: round(statistics.median(times), 1) for name, times in results.items()}


def incoming(headers: dict[str, str]) -> IncomingRequest:
    parts = urlsplit(INBOX)
    return IncomingRequest("POST", parts.path, parts.query, headers, BODY,
                           url=f"{parts.scheme}://{parts.netloc}")


def measures(private_pem: str, public_pem: str, now: datetime
             ) -> dict[str, Callable[[], object]]:
    private, public = private_key(private_pem), public_key(public_pem)
    signature = private.sign(SIGNING_STRING, padding.PKCS1v15(), hashes.SHA256())
    cavage = incoming(sign_request("POST", INBOX, key_id=KEY_ID, private_key_pem=private_pem,
                                   body=BODY, content_type="application/activity+json",
                                   now=now))
    rfc9421 = incoming({**sign_rfc9421("POST", INBOX, key_id=KEY_ID,
                                       private_key_pem=private_pem, body=BODY, now=now),
                        "content-type": "application/activity+json"})

    def check(request: IncomingRequest) -> Callable[[], object]:
        return lambda: verify_signature(request, parse_signature(request), public_pem, now)

    return {
        "rsa_sign_us": lambda: private.sign(SIGNING_STRING, padding.PKCS1v15(),
                                            hashes.SHA256()),
        "rsa_verify_us": lambda: public.verify(signature, SIGNING_STRING, padding.PKCS1v15(),
                                               hashes.SHA256()),
        "sign_request_us": lambda: sign_request(
            "POST", INBOX, key_id=KEY_ID, private_key_pem=private_pem, body=BODY,
            content_type="application/activity+json", now=now),
        "cavage_verify_us": check(cavage),
        "rfc9421_verify_us": check(rfc9421),
    }


def key_pair() -> tuple[str, str]:
    """A new RSA-2048 key pair's PEM texts (private, public), as Parley makes them."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return (key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode(),
            key.public_key().public_bytes(serialization.Encoding.PEM,
                                          serialization.PublicFormat.SubjectPublicKeyInfo
                                          ).decode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=200)
    options = parser.parse_args()
    private_pem, public_pem = key_pair()
    results = per_call_us(measures(private_pem, public_pem, utcnow()), options.rounds,
                          options.calls)
    print(json.dumps({"rsa_bits": 2048, "rounds": options.rounds, "calls": options.calls,
                      "body_bytes": len(BODY), **results}, indent=1))


if __name__ == "__main__":
    main()
