"""Signed requests for signature tests: draft-cavage signatures made by hand with any
algorithm name, header list or signed target (the variants Parley's own signer never makes),
and requests as the verifier sees them."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from parley.federation.signatures import (
    IncomingRequest,
    digest_header,
    http_date,
    private_key,
)
from support.signing_keys import TEST_PRIVATE_KEY

# A fixed moment: the signatures of the unit tests are made and checked at it.
NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
KEY_ID = "https://peer.example/users/ann#main-key"
INBOX = "https://parley.example/inbox"
BODY = b'{"type": "Create", "id": "https://peer.example/activities/1"}'
AS_JSON = "application/activity+json"


def cavage(method: str, url: str, *, body: bytes | None = None,
           names: Sequence[str] | None = None, algorithm: str | None = "rsa-sha256",
           date: datetime = NOW, signed_target: str | None = None,
           private_key_pem: str = TEST_PRIVATE_KEY, key_id: str = KEY_ID,
           created: datetime | None = None, extra: str = "") -> dict[str, str]:
    """Headers signing a request with draft-cavage over `names` (by default what Parley
    signs); `signed_target` is the (request-target) path signed in place of the URL's,
    `created` the signature's own time (for a `(created)` name), `extra` raw text appended
    to the Signature header."""
    parts = urlsplit(url)
    headers = {"host": parts.netloc, "date": http_date(date)}
    if body is not None:
        headers |= {"digest": digest_header(body), "content-type": AS_JSON}
    if names is None:
        names = ["(request-target)", *headers]
    target = signed_target or (parts.path + (f"?{parts.query}" if parts.query else ""))
    pseudo = {"(request-target)": f"{method.lower()} {target}"}
    if created is not None:
        pseudo["(created)"] = str(int(created.timestamp()))
        extra = f',created="{pseudo["(created)"]}"{extra}'
    lines = [f"{name}: {pseudo[name] if name in pseudo else headers[name]}" for name in names]
    signed = private_key(private_key_pem).sign("\n".join(lines).encode(), padding.PKCS1v15(),
                                               hashes.SHA256())
    algorithm_param = f'algorithm="{algorithm}",' if algorithm else ""
    headers["signature"] = (f'keyId="{key_id}",{algorithm_param}headers="{" ".join(names)}",'
                            f'signature="{base64.b64encode(signed).decode()}"{extra}')
    return headers


def request(method: str, url: str, headers: Mapping[str, str], body: bytes = b""
            ) -> IncomingRequest:
    """The request as Parley's verifier sees it, made to `url` (this server's)."""
    parts = urlsplit(url)
    return IncomingRequest(method=method, path=parts.path, query=parts.query,
                           headers={name.lower(): value for name, value in headers.items()},
                           body=body, url=f"{parts.scheme}://{parts.netloc}{parts.path}")
