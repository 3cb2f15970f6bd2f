"""HTTP signatures on fixed vectors (a fixed RSA-2048 key pair, fixed dates and bodies):
what draft-cavage and RFC 9421 verification accept and what they refuse, each refusal for
its own reason; and both signers' output checked against a signature base written out here
by hand from the specifications."""

from __future__ import annotations

import base64
import contextlib
import hashlib
from collections.abc import Mapping
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from hypothesis import given, settings
from hypothesis import strategies as st

from parley.federation.rfc9421 import sign_rfc9421
from parley.federation.signatures import (
    IncomingRequest,
    KeyMismatch,
    SignatureRefused,
    digest_header,
    private_key,
    public_key,
    sign_request,
)
from parley.federation.verify import parse_signature, verify_signature
from support.signing import AS_JSON, BODY, INBOX, KEY_ID, NOW, cavage, request
from support.signing_keys import (
    OTHER_PRIVATE_KEY,
    TEST_PRIVATE_KEY,
    TEST_PUBLIC_KEY,
)

ACTOR = "https://parley.example/users/bob"


def check(incoming: IncomingRequest) -> None:
    """Verify as the inbox does, with the test key, at NOW."""
    parsed = parse_signature(incoming)
    assert parsed.key_id == KEY_ID
    verify_signature(incoming, parsed, TEST_PUBLIC_KEY, NOW)


def refused(incoming: IncomingRequest, reason: str) -> None:
    with pytest.raises(SignatureRefused, match=reason):
        check(incoming)


def parley_cavage(method: str, url: str, body: bytes | None = None, **options: object
                  ) -> dict[str, str]:
    return sign_request(method, url, key_id=KEY_ID, private_key_pem=TEST_PRIVATE_KEY,
                        body=body, content_type=AS_JSON if body is not None else "",
                        now=NOW, **options)  # type: ignore[arg-type]


def rfc9421(method: str, url: str, body: bytes | None = None, **options: object
            ) -> dict[str, str]:
    options.setdefault("now", NOW)
    return sign_rfc9421(method, url, key_id=KEY_ID,
                        private_key_pem=str(options.pop("private_key_pem", TEST_PRIVATE_KEY)),
                        body=body, **options)  # type: ignore[arg-type]


def edited(headers: Mapping[str, str], name: str, old: str, new: str) -> dict[str, str]:
    assert old in headers[name]
    return {**headers, name: headers[name].replace(old, new, 1)}


# draft-cavage


def test_cavage_made_by_parley_is_accepted() -> None:
    check(request("POST", INBOX, parley_cavage("POST", INBOX, BODY), BODY))
    check(request("GET", ACTOR, parley_cavage("GET", ACTOR)))


def test_cavage_signing_string_is_the_drafts() -> None:
    headers = parley_cavage("POST", INBOX, BODY)
    assert headers["date"] == "Mon, 02 Nov 2026 12:00:00 GMT"
    assert headers["digest"] == "SHA-256=" + base64.b64encode(
        hashlib.sha256(BODY).digest()).decode()
    signing_string = ("(request-target): post /inbox\nhost: parley.example\n"
                      "date: Mon, 02 Nov 2026 12:00:00 GMT\n"
                      f"digest: {headers['digest']}\ncontent-type: {AS_JSON}")
    params = dict(part.split("=", 1) for part in headers["signature"].split(","))
    assert params["headers"] == '"(request-target) host date digest content-type"'
    public_key(TEST_PUBLIC_KEY).verify(base64.b64decode(params["signature"].strip('"')),
                                       signing_string.encode(), padding.PKCS1v15(),
                                       hashes.SHA256())


@pytest.mark.parametrize("algorithm", ["rsa-sha256", "hs2019", "RSA-SHA256", None])
def test_cavage_rsa_algorithms_are_accepted(algorithm: str | None) -> None:
    check(request("POST", INBOX, cavage("POST", INBOX, body=BODY, algorithm=algorithm), BODY))


@pytest.mark.parametrize("algorithm", ["rsa-sha512", "ed25519", "hmac-sha256", "unknown"])
def test_cavage_other_algorithms_are_refused(algorithm: str) -> None:
    refused(request("POST", INBOX, cavage("POST", INBOX, body=BODY, algorithm=algorithm), BODY),
            f"algorithm {algorithm} is not supported")


def test_cavage_wrong_key_is_refused() -> None:
    headers = cavage("POST", INBOX, body=BODY, private_key_pem=OTHER_PRIVATE_KEY)
    refused(request("POST", INBOX, headers, BODY), "does not match the request")
    # The one refusal a fresh copy of the key may cure (the inbox fetches it again).
    with pytest.raises(KeyMismatch):
        check(request("POST", INBOX, headers, BODY))


def test_only_a_wrong_key_is_a_key_mismatch() -> None:
    """Refusals a new key cannot cure do not make the inbox fetch the key again."""
    stale = cavage("POST", INBOX, body=BODY, date=NOW - timedelta(days=2))
    other = BODY.replace(b"activities/1", b"activities/2")
    for incoming in (request("POST", INBOX, stale, BODY),
                     request("POST", INBOX, parley_cavage("POST", INBOX, BODY), other),
                     request("POST", INBOX, rfc9421("POST", INBOX, BODY), other)):
        with pytest.raises(SignatureRefused) as caught:
            check(incoming)
        assert not isinstance(caught.value, KeyMismatch)


def test_cavage_post_must_sign_its_digest() -> None:
    headers = cavage("POST", INBOX, body=BODY, names=["(request-target)", "host", "date"])
    refused(request("POST", INBOX, headers, BODY), "must cover the body's digest")
    without = {name: value for name, value in parley_cavage("POST", INBOX, BODY).items()
               if name != "digest"}
    refused(request("POST", INBOX, without, BODY), "no SHA-256 digest")


def test_cavage_replayed_body_is_refused() -> None:
    headers = parley_cavage("POST", INBOX, BODY)
    other = BODY.replace(b"activities/1", b"activities/2")
    # The other body under the signed digest; then under its own (unsigned) digest.
    refused(request("POST", INBOX, headers, other), "body does not match its digest")
    refused(request("POST", INBOX, {**headers, "digest": digest_header(other)}, other),
            "does not match the request")


def test_cavage_digest_needs_sha256() -> None:
    headers = {**parley_cavage("POST", INBOX, BODY), "digest": "MD5=abc"}
    refused(request("POST", INBOX, headers, BODY), "no SHA-256 digest")


@pytest.mark.parametrize(("age", "reason"), [
    (timedelta(hours=13, minutes=1), "has expired"),
    (timedelta(hours=-1, minutes=-1), "in the future"),
])
def test_cavage_date_outside_the_window_is_refused(age: timedelta, reason: str) -> None:
    headers = cavage("POST", INBOX, body=BODY, date=NOW - age)
    refused(request("POST", INBOX, headers, BODY), reason)


@pytest.mark.parametrize("age", [timedelta(hours=12, minutes=59), timedelta(minutes=-59)])
def test_cavage_date_inside_the_window_is_accepted(age: timedelta) -> None:
    check(request("POST", INBOX, cavage("POST", INBOX, body=BODY, date=NOW - age), BODY))


def test_cavage_created_stands_for_the_date() -> None:
    names = ["(request-target)", "(created)", "digest"]
    check(request("POST", INBOX, cavage("POST", INBOX, body=BODY, names=names,
                                        algorithm="hs2019", created=NOW), BODY))
    stale = cavage("POST", INBOX, body=BODY, names=names, algorithm="hs2019",
                   created=NOW - timedelta(hours=14))
    refused(request("POST", INBOX, stale, BODY), "has expired")
    missing = cavage("POST", INBOX, body=BODY, names=names, created=NOW)
    missing["signature"] = missing["signature"].replace(f',created="{int(NOW.timestamp())}"', "")
    refused(request("POST", INBOX, missing, BODY), "no created parameter")


def test_cavage_expires_is_honoured() -> None:
    past = int((NOW - timedelta(hours=2)).timestamp())
    headers = cavage("POST", INBOX, body=BODY, extra=f',expires="{past}"')
    refused(request("POST", INBOX, headers, BODY), "past its expiry time")
    future = int((NOW + timedelta(minutes=5)).timestamp())
    check(request("POST", INBOX, cavage("POST", INBOX, body=BODY, extra=f',expires="{future}"'),
                  BODY))


def test_cavage_duplicate_parameters_are_refused() -> None:
    headers = cavage("POST", INBOX, body=BODY, extra=f',keyId="{KEY_ID}"')
    refused(request("POST", INBOX, headers, BODY), "names keyId twice")
    listed_twice = cavage("POST", INBOX, body=BODY,
                          names=["(request-target)", "host", "date", "digest", "date"])
    refused(request("POST", INBOX, listed_twice, BODY), "lists a header twice")


def test_cavage_must_cover_the_request_target() -> None:
    headers = cavage("POST", INBOX, body=BODY, names=["host", "date", "digest"])
    refused(request("POST", INBOX, headers, BODY), r"must cover \(request-target\)")


def test_cavage_query_string_signed_or_left_out_is_accepted() -> None:
    url = f"{ACTOR}?page=true"
    check(request("GET", url, cavage("GET", url)))
    check(request("GET", url, cavage("GET", url, signed_target="/users/bob")))
    refused(request("GET", url, cavage("GET", url, signed_target="/users/eve")),
            "does not match the request")


def test_cavage_missing_or_malformed_is_refused() -> None:
    refused(request("POST", INBOX, {"date": "x"}, BODY), "not signed")
    refused(request("POST", INBOX, {"signature": "keyId=unquoted"}, BODY), "malformed")
    refused(request("POST", INBOX, {"signature": 'keyId="k"'}, BODY), "no signature")


# RFC 9421


def test_rfc9421_made_by_parley_is_accepted() -> None:
    check(request("POST", INBOX, rfc9421("POST", INBOX, BODY), BODY))
    check(request("GET", ACTOR, rfc9421("GET", ACTOR)))
    url = f"{ACTOR}?page=true"
    check(request("GET", url, rfc9421("GET", url)))


def test_rfc9421_signature_base_is_the_rfcs() -> None:
    """RFC 9421 section 2.5: one line per component, then @signature-params."""
    headers = rfc9421("POST", INBOX, BODY)
    digest = base64.b64encode(hashlib.sha256(BODY).digest()).decode()
    assert headers["content-digest"] == f"sha-256=:{digest}:"
    params = (f'("@method" "@target-uri" "content-digest");created={int(NOW.timestamp())};'
              f'keyid="{KEY_ID}";alg="rsa-v1_5-sha256"')
    assert headers["signature-input"] == f"sig1={params}"
    base = ('"@method": POST\n"@target-uri": https://parley.example/inbox\n'
            f'"content-digest": sha-256=:{digest}:\n"@signature-params": {params}')
    signature = headers["signature"].removeprefix("sig1=:").removesuffix(":")
    public_key(TEST_PUBLIC_KEY).verify(base64.b64decode(signature), base.encode(),
                                       padding.PKCS1v15(), hashes.SHA256())


def test_rfc9421_sha512_digest_and_no_alg_are_accepted() -> None:
    digest = base64.b64encode(hashlib.sha512(BODY).digest()).decode()
    headers = rfc9421("POST", INBOX, BODY, headers={"content-digest": f"sha-512=:{digest}:"},
                      with_alg=False)
    assert "alg=" not in headers["signature-input"]
    check(request("POST", INBOX, headers, BODY))


def test_rfc9421_authority_and_path_may_stand_for_the_target_uri() -> None:
    check(request("POST", INBOX, rfc9421("POST", INBOX, BODY, components=(
        "@method", "@authority", "@path")), BODY))
    url = f"{ACTOR}?page=true"
    check(request("GET", url, rfc9421("GET", url, components=(
        "@method", "@authority", "@path", "@query"))))
    refused(request("GET", url, rfc9421("GET", url, components=(
        "@method", "@authority", "@path"))), "must cover @target-uri")
    refused(request("GET", ACTOR, rfc9421("GET", ACTOR, components=("@method", "@path"))),
            "must cover @target-uri")
    refused(request("GET", ACTOR, rfc9421("GET", ACTOR, components=("@target-uri",))),
            "must cover @method")


def test_rfc9421_signature_for_another_server_is_refused() -> None:
    headers = rfc9421("POST", "https://elsewhere.example/inbox", BODY)
    refused(request("POST", INBOX, headers, BODY), "does not match the request")


@pytest.mark.parametrize("algorithm", ["rsa-pss-sha512", "ed25519", "hs2019", "rsa-sha256"])
def test_rfc9421_other_algorithms_are_refused(algorithm: str) -> None:
    headers = edited(rfc9421("POST", INBOX, BODY), "signature-input",
                     'alg="rsa-v1_5-sha256"', f'alg="{algorithm}"')
    refused(request("POST", INBOX, headers, BODY), f"algorithm {algorithm} is not supported")


def test_rfc9421_wrong_key_is_refused() -> None:
    headers = rfc9421("POST", INBOX, BODY, private_key_pem=OTHER_PRIVATE_KEY)
    with pytest.raises(KeyMismatch):
        check(request("POST", INBOX, headers, BODY))


def test_rfc9421_post_must_sign_its_digest() -> None:
    digest = f"sha-256=:{base64.b64encode(hashlib.sha256(BODY).digest()).decode()}:"
    unsigned = rfc9421("POST", INBOX, headers={"content-digest": digest})
    refused(request("POST", INBOX, unsigned, BODY), "must cover the body's content-digest")
    refused(request("POST", INBOX, rfc9421("POST", INBOX), BODY),
            "must cover the body's content-digest")


def test_rfc9421_replayed_body_is_refused() -> None:
    headers = rfc9421("POST", INBOX, BODY)
    other = BODY.replace(b"activities/1", b"activities/2")
    refused(request("POST", INBOX, headers, other), "Content-Digest does not match")
    digest = f"sha-256=:{base64.b64encode(hashlib.sha256(other).digest()).decode()}:"
    refused(request("POST", INBOX, {**headers, "content-digest": digest}, other),
            "does not match the request")


def test_rfc9421_digest_algorithm_must_be_known() -> None:
    # Signed by hand: the library's signer makes no digest it does not know.
    digest = f"md5=:{base64.b64encode(hashlib.md5(BODY).digest()).decode()}:"
    params = (f'("@method" "@target-uri" "content-digest");created={int(NOW.timestamp())};'
              f'keyid="{KEY_ID}"')
    base = ('"@method": POST\n"@target-uri": https://parley.example/inbox\n'
            f'"content-digest": {digest}\n"@signature-params": {params}')
    signature = private_key(TEST_PRIVATE_KEY).sign(base.encode(), padding.PKCS1v15(),
                                                   hashes.SHA256())
    headers = {"content-digest": digest, "signature-input": f"sig1={params}",
               "signature": f"sig1=:{base64.b64encode(signature).decode()}:"}
    refused(request("POST", INBOX, headers, BODY), "Unsupported content digest algorithm")


@pytest.mark.parametrize(("age", "reason"), [
    (timedelta(hours=13, minutes=1), "has expired"),
    (timedelta(hours=-1, minutes=-1), "in the future"),
])
def test_rfc9421_created_outside_the_window_is_refused(age: timedelta, reason: str) -> None:
    headers = rfc9421("POST", INBOX, BODY, now=NOW - age)
    refused(request("POST", INBOX, headers, BODY), reason)


def test_rfc9421_created_is_required() -> None:
    headers = edited(rfc9421("POST", INBOX, BODY), "signature-input",
                     f";created={int(NOW.timestamp())}", "")
    refused(request("POST", INBOX, headers, BODY), "no created time")
    malformed = edited(rfc9421("POST", INBOX, BODY), "signature-input",
                       f";created={int(NOW.timestamp())}", ';created="yesterday"')
    refused(request("POST", INBOX, malformed, BODY), "no created time")


def test_rfc9421_expires_is_honoured() -> None:
    refused(request("POST", INBOX, rfc9421("POST", INBOX, BODY, now=NOW - timedelta(hours=3),
                                           expires=NOW - timedelta(hours=2)), BODY),
            "past its expiry time")
    check(request("POST", INBOX, rfc9421("POST", INBOX, BODY,
                                         expires=NOW + timedelta(minutes=5)), BODY))


def test_rfc9421_keyid_is_required() -> None:
    headers = edited(rfc9421("POST", INBOX, BODY), "signature-input", f';keyid="{KEY_ID}"', "")
    with pytest.raises(SignatureRefused, match="no keyid"):
        parse_signature(request("POST", INBOX, headers, BODY))


def test_rfc9421_duplicates_are_refused() -> None:
    headers = rfc9421("POST", INBOX, BODY)
    created = f";created={int(NOW.timestamp())}"
    refused(request("POST", INBOX, edited(headers, "signature-input", created, created * 2),
                    BODY), "names the parameter created twice")
    twice = {**headers, "signature-input": f"{headers['signature-input']}, "
                                           f"{headers['signature-input']}"}
    refused(request("POST", INBOX, twice, BODY), "names the dictionary sig1 twice")
    refused(request("POST", INBOX, edited(headers, "signature-input", '("@method"',
                                          '("@method" "@method"'), BODY),
            "appeared multiple times")


def test_rfc9421_only_the_first_label_is_used() -> None:
    good = rfc9421("POST", INBOX, BODY)
    bad = rfc9421("POST", INBOX, BODY, label="sig2", private_key_pem=OTHER_PRIVATE_KEY)

    def both(first: dict[str, str], second: dict[str, str]) -> dict[str, str]:
        return {**first, **{name: f"{first[name]}, {second[name]}"
                            for name in ("signature-input", "signature")}}

    check(request("POST", INBOX, both(good, bad), BODY))
    refused(request("POST", INBOX, both(bad, good), BODY), "does not match the request")


def test_rfc9421_malformed_is_refused() -> None:
    headers = rfc9421("POST", INBOX, BODY)
    refused(request("POST", INBOX, {**headers, "signature-input": "sig1=(("}, BODY),
            "(?i)signature-input header is malformed")
    refused(request("POST", INBOX, {**headers, "signature": "sig1=nonsense"}, BODY),
            "does not match|must be a Byte Sequence")
    refused(request("POST", INBOX, {**headers, "signature": "sig2=:AAAA:"}, BODY),
            "Signature header has no sig1")
    refused(request("POST", INBOX, {**headers, "signature-input": 'sig1="@method"'}, BODY),
            "components are not a list")


# Whatever a peer sends


DAMAGEABLE = {"cavage": ("signature", "digest", "date"),
              "rfc9421": ("signature-input", "signature", "content-digest")}


@settings(max_examples=300, deadline=None)
@given(scheme=st.sampled_from(sorted(DAMAGEABLE)), data=st.data(),
       position=st.integers(0, 600), cut=st.integers(0, 12),
       insert=st.text(st.characters(codec="utf-8"), max_size=12))
def test_damaged_headers_are_refused_never_an_error(scheme: str, data: st.DataObject,
                                                    position: int, cut: int,
                                                    insert: str) -> None:
    """A valid signature's headers with text cut and inserted anywhere: accepted (the damage
    may leave an equivalent header) or SignatureRefused, never another exception."""
    headers = (parley_cavage("POST", INBOX, BODY) if scheme == "cavage"
               else rfc9421("POST", INBOX, BODY))
    name = data.draw(st.sampled_from(DAMAGEABLE[scheme]))
    value = headers[name]
    at = min(position, len(value))
    damaged = {**headers, name: value[:at] + insert + value[at + cut:]}
    incoming = request("POST", INBOX, damaged, BODY)
    with contextlib.suppress(SignatureRefused):
        verify_signature(incoming, parse_signature(incoming), TEST_PUBLIC_KEY, NOW)
