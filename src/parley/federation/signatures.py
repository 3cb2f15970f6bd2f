"""HTTP Signatures, what both schemes share: the request being checked, its parsed
signature, keys, the date window; and the signing of outgoing requests with draft-cavage
RSA-SHA256 (what Mastodon, GoToSocial and Misskey verify). Incoming signatures are checked by
`verify.py` (draft-cavage in `cavage.py`, RFC 9421 in `rfc9421.py`).

draft-cavage is written by hand (a few lines over `cryptography`): the packages that
implement it are unmaintained. RFC 9421 uses the maintained `http-message-signatures`.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from parley.lib.timefmt import utcnow

# How far a signature's date may lie from now (Mastodon's: a 12-hour window, 1 hour of
# clock skew either way).
MAX_AGE = timedelta(hours=12)
CLOCK_SKEW = timedelta(hours=1)
SIGNED_ON_POST = ("(request-target)", "host", "date", "digest", "content-type")
SIGNED_ON_GET = ("(request-target)", "host", "date")


class SignatureRefused(Exception):
    """The request's signature is missing, malformed, stale or wrong (answered with 401)."""


class KeyMismatch(SignatureRefused):
    """The signature does not verify with the key held for its key id: the one refusal a
    fresh copy of the key may cure (its actor may have rotated it)."""


@dataclass(frozen=True)
class IncomingRequest:
    """What verifying a request needs: its method, path and query as sent, its headers
    (names lower-case; a repeated header's values joined by ", ") and its body."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes = b""
    # The URL the request was made to (scheme and authority as this server is known by).
    url: str = ""


@dataclass(frozen=True)
class ParsedSignature:
    """A request's signature, read but not yet checked: the key that claims to have made
    it, and what checking needs (the scheme's own data)."""

    scheme: str  # "cavage" or "rfc9421"
    key_id: str
    params: Mapping[str, str] = field(default_factory=dict)
    # What the scheme read from the headers, kept for its check (RFC 9421's first signature).
    reading: object = field(default=None, compare=False, repr=False)


def digest_header(body: bytes) -> str:
    """The draft-cavage `Digest` header of a body."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def http_date(moment: datetime | None = None) -> str:
    return format_datetime(moment or utcnow(), usegmt=True)


@functools.lru_cache(maxsize=256)
def private_key(pem: str) -> rsa.RSAPrivateKey:
    """The RSA key of a PEM text (parsed once: a parse costs more than a signature)."""
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


@functools.lru_cache(maxsize=4096)
def public_key(pem: str) -> rsa.RSAPublicKey:
    """The RSA public key of a PEM text; SignatureRefused when it is none (or under 2048
    bits, which no current server makes)."""
    try:
        key = serialization.load_pem_public_key(pem.strip().encode())
    except (ValueError, TypeError) as error:
        raise SignatureRefused("the actor's public key cannot be read") from error
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < 2048:
        raise SignatureRefused("the actor's key is not an RSA key of 2048 bits or more")
    return key


def _request_target(method: str, url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return f"{method.lower()} {target}", parts.netloc


def sign_request(method: str, url: str, *, key_id: str, private_key_pem: str,
                 body: bytes | None = None, content_type: str = "",
                 now: datetime | None = None, digest: str | None = None) -> dict[str, str]:
    """The headers that sign a request to `url` as draft-cavage RSA-SHA256 over
    `(request-target) host date` (and `digest content-type` with a body): Host, Date,
    Digest, Content-Type and Signature. `digest`, the body's (digest_header), spares one
    body sent to many inboxes a hash per request."""
    target, host = _request_target(method, url)
    headers = {"host": host, "date": http_date(now)}
    names: tuple[str, ...] = SIGNED_ON_GET
    if body is not None:
        headers["digest"] = digest or digest_header(body)
        headers["content-type"] = content_type
        names = SIGNED_ON_POST
    lines = [f"(request-target): {target}"] + [f"{name}: {headers[name]}" for name in names[1:]]
    signed = private_key(private_key_pem).sign("\n".join(lines).encode(), padding.PKCS1v15(),
                                               hashes.SHA256())
    headers["signature"] = (f'keyId="{key_id}",algorithm="rsa-sha256",'
                            f'headers="{" ".join(names)}",'
                            f'signature="{base64.b64encode(signed).decode()}"')
    return headers


def moment_of(seconds: int, name: str) -> datetime:
    """A signature parameter given in seconds since the epoch, as a time (SignatureRefused
    when it is none)."""
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError, OSError) as error:
        raise SignatureRefused(f"the signature's {name} time is malformed") from error


def check_freshness(signed_at: datetime, now: datetime) -> None:
    """A signature made more than MAX_AGE ago, or in the future beyond the clock skew, is
    refused: a captured request cannot be replayed for long."""
    if signed_at.tzinfo is None:
        raise SignatureRefused("the signature's date has no time zone")
    if signed_at > now + CLOCK_SKEW:
        raise SignatureRefused("the signature's date is in the future")
    if signed_at < now - MAX_AGE - CLOCK_SKEW:
        raise SignatureRefused("the signature has expired")


def check_expiry(expires_at: datetime, now: datetime) -> None:
    """A signature whose own expiry time has passed (beyond the clock skew) is refused."""
    if expires_at < now - CLOCK_SKEW:
        raise SignatureRefused("the signature is past its expiry time")
