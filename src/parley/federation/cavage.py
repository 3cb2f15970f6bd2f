"""Incoming draft-cavage HTTP Signatures (the `Signature` header Mastodon, GoToSocial,
Misskey and Pleroma send): read, then checked against the key its keyId names."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from parley.federation.signatures import (
    IncomingRequest,
    KeyMismatch,
    ParsedSignature,
    SignatureRefused,
    check_expiry,
    check_freshness,
    moment_of,
)

_PARAM = re.compile(r'\s*([a-zA-Z]+)\s*=\s*"([^"]*)"\s*(?:,|$)')


def parse_cavage(request: IncomingRequest) -> ParsedSignature:
    """The request's `Signature` header, read: SignatureRefused when there is none, it is
    malformed or it names a parameter twice."""
    header = request.headers.get("signature")
    if not header:
        raise SignatureRefused("the request is not signed")
    params = _cavage_params(header)
    for name in ("keyId", "signature"):
        if not params.get(name):
            raise SignatureRefused(f"the signature has no {name}")
    return ParsedSignature("cavage", params["keyId"], params)


def _cavage_params(header: str) -> dict[str, str]:
    params: dict[str, str] = {}
    position = 0
    while position < len(header):
        match = _PARAM.match(header, position)
        if match is None:
            raise SignatureRefused("the Signature header is malformed")
        name, value = match.group(1), match.group(2)
        if name in params:
            raise SignatureRefused(f"the signature names {name} twice")
        params[name] = value
        position = match.end()
    return params


def verify_cavage(request: IncomingRequest, params: Mapping[str, str], key: rsa.RSAPublicKey,
                   now: datetime) -> None:
    algorithm = params.get("algorithm", "hs2019").lower()
    if algorithm not in ("rsa-sha256", "hs2019"):
        raise SignatureRefused(f"the signature algorithm {algorithm} is not supported")
    names = params.get("headers", "date").lower().split()
    if len(set(names)) != len(names):
        raise SignatureRefused("the signature lists a header twice")
    _require_covered(request, names, params)
    try:
        signature = base64.b64decode(params["signature"], validate=True)
    except ValueError as error:
        raise SignatureRefused("the signature is not base64") from error
    for target in _targets(request):
        try:
            key.verify(signature, _cavage_base(request, names, params, target),
                       padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            continue
        check_freshness(_signed_time(request, names, params), now)
        return _check_expires(params, now)
    raise KeyMismatch("the signature does not match the request")


def _require_covered(request: IncomingRequest, names: list[str],
                     params: Mapping[str, str]) -> None:
    if "(request-target)" not in names:
        raise SignatureRefused("the signature must cover (request-target)")
    if "date" not in names and "(created)" not in names:
        raise SignatureRefused("the signature must cover the date")
    if request.method.upper() == "POST":
        if "digest" not in names:
            raise SignatureRefused("the signature must cover the body's digest")
        check_cavage_digest(request)
    for name in names:
        if not name.startswith("(") and name not in request.headers:
            raise SignatureRefused(f"the signed header {name} is missing")
        if name in ("(created)", "(expires)") and not params.get(name.strip("()")):
            raise SignatureRefused(f"the signature has no {name.strip('()')} parameter")


def _targets(request: IncomingRequest) -> list[str]:
    """The request targets a signature may have covered: with the query string and, as some
    servers sign it, without (verified both ways)."""
    path = request.path or "/"
    full = f"{path}?{request.query}" if request.query else path
    return [full, path] if request.query else [full]


def _cavage_base(request: IncomingRequest, names: list[str], params: Mapping[str, str],
                 target: str) -> bytes:
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {request.method.lower()} {target}")
        elif name in ("(created)", "(expires)"):
            lines.append(f"{name}: {params[name.strip('()')]}")
        else:
            lines.append(f"{name}: {request.headers[name]}")
    return "\n".join(lines).encode()


def check_cavage_digest(request: IncomingRequest) -> None:
    """The `Digest` header must hold the SHA-256 of the body the request carries."""
    expected = hashlib.sha256(request.body).digest()
    for part in request.headers.get("digest", "").split(","):
        algorithm, _, value = part.strip().partition("=")
        if algorithm.lower() == "sha-256":
            try:
                given = base64.b64decode(value, validate=True)
            except ValueError:
                break
            if hmac.compare_digest(given, expected):
                return
            raise SignatureRefused("the body does not match its digest")
    raise SignatureRefused("the request has no SHA-256 digest of its body")


def _signed_time(request: IncomingRequest, names: list[str],
                 params: Mapping[str, str]) -> datetime:
    if "(created)" in names:
        return moment_of(_seconds(params["created"], "created"), "created")
    try:
        return parsedate_to_datetime(request.headers["date"])
    except (TypeError, ValueError, IndexError) as error:
        raise SignatureRefused("the Date header is malformed") from error


def _check_expires(params: Mapping[str, str], now: datetime) -> None:
    if params.get("expires"):
        check_expiry(moment_of(_seconds(params["expires"], "expires"), "expires"), now)


def _seconds(value: str, name: str) -> int:
    if not value.isascii() or not value.isdigit():
        raise SignatureRefused(f"the signature's {name} time is malformed")
    return int(value)
