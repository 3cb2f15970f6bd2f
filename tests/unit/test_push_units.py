"""Web Push pieces without a server: the address check on push endpoints, the VAPID JWT,
and base64 as clients send it."""

from __future__ import annotations

import asyncio
import base64

import orjson
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from parley.lib.fetch import AddressRefused, post_bytes
from parley.push import b64
from parley.push.crypto import seal_token, unseal_token, valid_keys
from parley.push.keys import ServerKey, vapid_jwt


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/push", "http://10.0.0.1/push",
                                 "http://[::1]/push", "file:///etc/passwd"])
def test_push_endpoints_on_our_own_network_are_refused(url: str) -> None:
    with pytest.raises(AddressRefused):
        asyncio.run(post_bytes(url, b"x", {}))


def test_the_vapid_jwt_is_signed_by_the_server_key() -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    key = ServerKey(private, "unused")
    jwt = vapid_jwt(key, "https://push.example:8443/send/abc", "mailto:admin@example.com")
    header, claims, signature = jwt.split(".")
    assert orjson.loads(b64.decode(header)) == {"typ": "JWT", "alg": "ES256"}
    body = orjson.loads(b64.decode(claims))
    assert body["aud"] == "https://push.example:8443"
    assert body["sub"] == "mailto:admin@example.com"
    raw = b64.decode(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    private.public_key().verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))


def test_keys_in_any_base64_spelling() -> None:
    point = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
    raw = b"\x04" + point.x.to_bytes(32, "big") + point.y.to_bytes(32, "big")
    auth = bytes(range(16))
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        assert valid_keys(encode(raw).decode(), encode(auth).decode())
        assert valid_keys(encode(raw).decode().rstrip("="), encode(auth).decode().rstrip("="))
    assert not valid_keys(encode(raw[:40]).decode(), encode(auth).decode())
    assert not valid_keys(encode(raw).decode(), encode(auth[:8]).decode())
    assert not valid_keys("not base64 at all!", "???")


def test_a_sealed_token_opens_only_with_its_secret() -> None:
    sealed = seal_token("secret one", "the token")
    assert "the token" not in sealed
    assert unseal_token("secret one", sealed) == "the token"
    assert unseal_token("secret two", sealed) is None
