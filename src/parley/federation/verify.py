"""Checking an incoming request's HTTP signature, whichever scheme it uses: RFC 9421
(`rfc9421.py`) when the request has a `Signature-Input` header, draft-cavage (`cavage.py`)
otherwise."""

from __future__ import annotations

from datetime import datetime

from parley.federation.cavage import parse_cavage, verify_cavage
from parley.federation.rfc9421 import parse_rfc9421, verify_rfc9421
from parley.federation.signatures import IncomingRequest, ParsedSignature, public_key
from parley.lib.timefmt import utcnow


def parse_signature(request: IncomingRequest) -> ParsedSignature:
    """The request's signature, read but not checked (its key id says which key to find);
    SignatureRefused when there is none or it is malformed."""
    if "signature-input" in request.headers:
        return parse_rfc9421(request)
    return parse_cavage(request)


def verify_signature(request: IncomingRequest, parsed: ParsedSignature, key_pem: str,
                     now: datetime | None = None) -> None:
    """SignatureRefused unless the signature is valid with the key its key id names (`key_pem`)
    and covers what it must."""
    key, moment = public_key(key_pem), now or utcnow()
    if parsed.scheme == "rfc9421":
        verify_rfc9421(request, parsed, key, moment)
    else:
        verify_cavage(request, parsed.params, key, moment)
