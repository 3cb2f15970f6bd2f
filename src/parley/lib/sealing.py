"""Sealing short secrets with a key derived from PARLEY_SECRET_KEY (Fernet: AES-CBC with an
HMAC, and a timestamp a reader may bound): a database copy alone does not give them away, and
a sealed value handed to a browser can be neither read nor forged."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


def _fernet(secret_key: str, purpose: str) -> Fernet:
    # One key per purpose: a value sealed for one use is never accepted for another.
    digest = hashlib.sha256(purpose.encode() + b"\0" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(secret_key: str, purpose: str, text: str) -> str:
    return _fernet(secret_key, purpose).encrypt(text.encode()).decode()


def unseal(secret_key: str, purpose: str, sealed: str, *, max_age: int | None = None
           ) -> str | None:
    """The sealed text, or None when it was forged, sealed for another purpose or under
    another secret, or is older than `max_age` seconds."""
    try:
        return _fernet(secret_key, purpose).decrypt(sealed.encode(), ttl=max_age).decode()
    except (InvalidToken, ValueError):
        return None
