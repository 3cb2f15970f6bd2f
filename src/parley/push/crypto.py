"""Encrypting a push message for one subscription (RFC 8291 aes128gcm, or the draft aesgcm
encoding that Mastodon still sends to subscriptions not marked `standard`), with http_ece;
and sealing the access token a subscription keeps for its messages."""

from __future__ import annotations

import os
from dataclasses import dataclass

import http_ece
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from parley.lib.sealing import seal, unseal
from parley.push import b64
from parley.push.keys import ServerKey, vapid_jwt

# Push services keep an undelivered message this long (seconds), as Mastodon asks.
TTL_S = 48 * 3600
# The key sealing a subscription's access token (the same derivation since 0015).
TOKEN_PURPOSE = "parley.push.token"


@dataclass(frozen=True)
class Recipient:
    """What encrypting for a subscription needs: its endpoint and the user agent's keys."""

    endpoint: str
    p256dh: str
    auth: str
    standard: bool


def valid_keys(p256dh: str, auth: str) -> bool:
    """Whether the keys a client gave are a P-256 public point and a 16-byte secret."""
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64.decode(p256dh))
        return len(b64.decode(auth)) == 16
    except ValueError:
        return False


def encrypt(message: bytes, to: Recipient, key: ServerKey, subject: str
            ) -> tuple[bytes, dict[str, str]]:
    """The request body and headers pushing `message` to `to`, signed with `key`."""
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    salt = os.urandom(16)
    version = "aes128gcm" if to.standard else "aesgcm"
    body = http_ece.encrypt(message, salt=salt, private_key=ephemeral,
                            dh=b64.decode(to.p256dh), auth_secret=b64.decode(to.auth),
                            version=version)
    jwt = vapid_jwt(key, to.endpoint, subject)
    headers = {"content-encoding": version, "content-type": "application/octet-stream",
               "ttl": str(TTL_S), "urgency": "normal"}
    if to.standard:  # RFC 8292: salt and key travel in the body's header
        headers["authorization"] = f"vapid t={jwt}, k={key.public}"
    else:
        dh = b64.encode(ephemeral.public_key().public_bytes(Encoding.X962,
                                                            PublicFormat.UncompressedPoint))
        headers["authorization"] = f"WebPush {jwt}"
        headers["crypto-key"] = f"dh={dh};p256ecdsa={key.public}"
        headers["encryption"] = f"salt={b64.encode(salt)}"
    return body, headers


def seal_token(secret_key: str, token: str) -> str:
    return seal(secret_key, TOKEN_PURPOSE, token)


def unseal_token(secret_key: str, sealed: str) -> str | None:
    """The token, or None when it was sealed under another secret (the secret changed)."""
    return unseal(secret_key, TOKEN_PURPOSE, sealed)
