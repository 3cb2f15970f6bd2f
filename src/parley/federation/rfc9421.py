"""RFC 9421 HTTP Message Signatures (`Signature-Input` and `Signature`, which Mastodon 4.5
accepts): incoming ones read and checked, and an outgoing signer (Parley sends draft-cavage,
as Mastodon does by default; the tests make their vectors with this one).

The signature base, the components' values, the RFC 9530 `Content-Digest` (sha-256 or
sha-512) and the RSA check are the maintained `http-message-signatures` library's (and the
structured fields those headers are written in, its `http-sf`'s). Parley's policy around it
lives here: only the first label is used; rsa-v1_5-sha256 only (a missing `alg` means the
key's, and Parley's keys are RSA); `keyid` and `created` required, `created` inside
signatures.check_freshness's window and `expires` honoured; `@method` and `@target-uri` (or
`@authority` and `@path`, and `@query` when there is one) covered, and on a POST a
`content-digest` that matches the body; a parameter or label given twice refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

import http_sf
from cryptography.exceptions import InvalidSignature as CryptographyInvalidSignature
from cryptography.hazmat.primitives.asymmetric import rsa
from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    MappingKeyResolver,
)
from http_message_signatures.algorithms import RSA_V1_5_SHA256

from parley.federation.signatures import (
    IncomingRequest,
    KeyMismatch,
    ParsedSignature,
    SignatureRefused,
    check_expiry,
    check_freshness,
    moment_of,
    private_key,
)
from parley.lib.timefmt import utcnow

ALGORITHM = RSA_V1_5_SHA256
LABEL = "sig1"
SIGNED = ("@method", "@target-uri")


@dataclass
class _Message:
    """A request as the library reads it (and, when signing, writes its headers into)."""

    method: str
    url: str
    headers: dict[str, str]


@dataclass(frozen=True)
class _Input:
    """The first signature of a request's Signature-Input: its label, the names of the
    components it covers (their parameters aside), its parameters, and the member written
    alone when the header has others."""

    label: str
    covered: frozenset[str]
    params: Mapping[str, Any]
    alone: str | None


class _Verifier(HTTPMessageVerifier):
    """The library's verifier without its own clock checks (a 5-second skew against the
    wall clock): Parley's window is applied first, at the time the caller gives
    (_check_times)."""

    def validate_created_and_expires(self, sig_input: Any, max_age: Any = None) -> None:
        return None


def _refuse_twice(name: str, context: str) -> None:
    raise SignatureRefused(f"the signature names the {context} {name} twice")


def _dictionary(value: str | None, name: str) -> dict[str, Any]:
    if not value:
        raise SignatureRefused(f"the request has no {name} header")
    try:
        parsed = http_sf.parse(value.encode("ascii"), tltype="dictionary",
                               on_duplicate_key=_refuse_twice)
    except ValueError as error:  # http_sf's StructuredFieldError, UnicodeEncodeError
        raise SignatureRefused(f"the {name} header is malformed") from error
    assert isinstance(parsed, dict)
    return parsed


def _first_input(request: IncomingRequest) -> _Input:
    inputs = _dictionary(request.headers.get("signature-input"), "signature-input")
    if not inputs:
        raise SignatureRefused("the Signature-Input header is empty")
    label = next(iter(inputs))  # only the first signature is used
    components, params = inputs[label]
    if not isinstance(components, list):
        raise SignatureRefused("the signature's components are not a list")
    keyid = params.get("keyid")
    if not isinstance(keyid, str) or not keyid:
        raise SignatureRefused("the signature has no keyid")
    covered = frozenset(str(value) for value, _ in components)
    alone = None if len(inputs) == 1 else http_sf.ser({label: inputs[label]})
    return _Input(label, covered, MappingProxyType(params), alone)


def parse_rfc9421(request: IncomingRequest) -> ParsedSignature:
    """The request's first RFC 9421 signature, read: SignatureRefused when it is malformed,
    has no keyid or names a parameter or label twice."""
    found = _first_input(request)
    # What was read is handed to verify_rfc9421: structured fields are parsed in pure
    # Python, the dearest part of a check after the RSA verification.
    return ParsedSignature("rfc9421", found.params["keyid"], {"label": found.label},
                           reading=found)


def verify_rfc9421(request: IncomingRequest, parsed: ParsedSignature, key: rsa.RSAPublicKey,
                   now: datetime) -> None:
    """SignatureRefused unless the request's first signature (as parse_rfc9421 read it) was
    made by `key` and follows the policy of the module's docstring."""
    found = parsed.reading if isinstance(parsed.reading, _Input) else _first_input(request)
    _check_algorithm(found.params)
    _require_covered(request, found.covered)
    _check_times(found.params, now)
    signatures = _dictionary(request.headers.get("signature"), "signature")
    if found.label not in signatures:
        raise SignatureRefused(f"the Signature header has no {found.label}")
    # The library is shown the first signature alone (it takes several only by tag).
    headers = dict(request.headers)
    if found.alone is not None:
        headers["signature-input"] = found.alone
    if len(signatures) > 1:
        headers["signature"] = http_sf.ser({found.label: signatures[found.label]})
    verifier = _Verifier(signature_algorithm=ALGORITHM, key_resolver=MappingKeyResolver(
        public_keys={parsed.key_id: key}, private_keys={}))
    try:
        verifier.verify(_Message(request.method.upper(), _target_uri(request), headers),
                        max_age=None, body=request.body)
    except HTTPMessageSignaturesException as error:
        refusal = KeyMismatch if _wrong_key(error) else SignatureRefused
        raise refusal(str(error) or "the signature does not match the request") from error


def _wrong_key(error: BaseException) -> bool:
    """Whether the check failed on the signature itself (not on a digest or a component)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, CryptographyInvalidSignature):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _check_algorithm(params: Mapping[str, Any]) -> None:
    algorithm = params.get("alg", ALGORITHM.algorithm_id)
    if algorithm != ALGORITHM.algorithm_id:
        raise SignatureRefused(f"the signature algorithm {algorithm} is not supported")


def _require_covered(request: IncomingRequest, covered: frozenset[str]) -> None:
    if "@method" not in covered:
        raise SignatureRefused("the signature must cover @method")
    if "@target-uri" not in covered:
        needed = {"@authority", "@path"} | ({"@query"} if request.query else set())
        if not needed <= covered:
            raise SignatureRefused("the signature must cover @target-uri (or "
                                   f"{' and '.join(sorted(needed))})")
    if request.method.upper() == "POST" and "content-digest" not in covered:
        raise SignatureRefused("the signature must cover the body's content-digest")


def _check_times(params: Mapping[str, Any], now: datetime) -> None:
    created, expires = params.get("created"), params.get("expires")
    # bool is an int to Python, never to structured fields.
    if type(created) is not int:
        raise SignatureRefused("the signature has no created time")
    check_freshness(moment_of(created, "created"), now)
    if expires is not None:
        if type(expires) is not int:
            raise SignatureRefused("the signature's expires time is malformed")
        check_expiry(moment_of(expires, "expires"), now)


def _target_uri(request: IncomingRequest) -> str:
    """The URL the request was made to, as this server is known by (never its Host header:
    a signature for another server must not pass here)."""
    origin = urlsplit(request.url)
    if not origin.scheme or not origin.netloc:
        raise SignatureRefused("the request's URL is unknown")
    query = f"?{request.query}" if request.query else ""
    return f"{origin.scheme}://{origin.netloc}{request.path or '/'}{query}"


def sign_rfc9421(method: str, url: str, *, key_id: str, private_key_pem: str,
                 body: bytes | None = None, now: datetime | None = None,
                 expires: datetime | None = None, components: Sequence[str] = SIGNED,
                 label: str = LABEL, headers: Mapping[str, str] | None = None,
                 with_alg: bool = True) -> dict[str, str]:
    """The headers that sign a request to `url` per RFC 9421 with rsa-v1_5-sha256 over
    `components` (and, with a body, its `content-digest`: the one in `headers`, checked, or
    one made here): `headers` (what the request carries that components may cover),
    Content-Digest, Signature-Input and Signature, names in lower case."""
    message = _Message(method.upper(), url, {name.lower(): value
                                             for name, value in (headers or {}).items()})
    signer = HTTPMessageSigner(signature_algorithm=ALGORITHM, key_resolver=MappingKeyResolver(
        public_keys={}, private_keys={key_id: private_key(private_key_pem)}))
    try:
        signer.sign(message, key_id=key_id, created=now or utcnow(), expires=expires,
                    label=label, covered_component_ids=tuple(components), body=body,
                    include_alg=with_alg,
                    use_existing_digest="content-digest" in message.headers)
    except HTTPMessageSignaturesException as error:
        raise ValueError(f"cannot sign {url}: {error}") from error
    return {name.lower(): value for name, value in message.headers.items()}
