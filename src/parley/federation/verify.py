"""Checking an incoming request's HTTP signature, whichever scheme it uses: draft-cavage
(`cavage.py`) or RFC 9421 (`rfc9421.py`)."""

from __future__ import annotations

from datetime import datetime

from parley.federation.cavage import parse_cavage, verify_cavage
from parley.federation.signatures import (
    IncomingRequest,
    ParsedSignature,
    SignatureRefused,
    public_key,
)
from parley.lib.timefmt import utcnow


def parse_signature(request: IncomingRequest) -> ParsedSignature:
    """The request's signature, read but not checked (its key id says which key to find);
    SignatureRefused when there is none or it is malformed."""
    if "signature-input" in request.headers:
        raise SignatureRefused("RFC 9421 signatures are not accepted yet")
    return parse_cavage(request)


def verify_signature(request: IncomingRequest, parsed: ParsedSignature, key_pem: str,
                     now: datetime | None = None) -> None:
    """SignatureRefused unless the signature is valid with the key its key id names (`key_pem`)
    and covers what it must."""
    verify_cavage(request, parsed.params, public_key(key_pem), now or utcnow())
