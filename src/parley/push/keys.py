"""The server's VAPID key (RFC 8292): made once and kept in the database, so that every
process of an instance signs with the same key; and the signed JWT a push request carries."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import orjson
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.push import b64
from parley.push.models import PushServerKey

_ROW = 1
# A push service refuses tokens valid for more than 24 hours.
JWT_LIFETIME_S = 12 * 3600


@dataclass(frozen=True)
class ServerKey:
    """The VAPID key pair; `public` is the uncompressed point in base64url, as clients take it
    (`applicationServerKey`)."""

    private: ec.EllipticCurvePrivateKey
    public: str

    @property
    def public_padded(self) -> str:
        """The public key as Mastodon shows it (`server_key`, `vapid_key`): padded base64url."""
        return self.public + "=" * (-len(self.public) % 4)


# Per database (tests run several in one process): the key never changes once made.
_cached: dict[str, ServerKey] = {}


async def server_key(session: AsyncSession) -> ServerKey:
    """The instance's key pair. The migration that made the table made the key (once per
    database), so every process reads the same one; kept in memory once read."""
    url = str(session.get_bind().engine.url)
    found = _cached.get(url)
    if found is None:
        row = await session.scalar(select(PushServerKey).where(PushServerKey.id == _ROW))
        if row is None:
            raise LookupError("no VAPID key: the database is not migrated")
        private = serialization.load_pem_private_key(row.private_key.encode(), password=None)
        assert isinstance(private, ec.EllipticCurvePrivateKey)
        found = _cached[url] = ServerKey(private, row.public_key)
    return found


def vapid_jwt(key: ServerKey, endpoint: str, subject: str) -> str:
    """The ES256-signed JWT for a push to `endpoint` (audience: its origin)."""
    parts = urlsplit(endpoint)
    header = b64.encode(orjson.dumps({"typ": "JWT", "alg": "ES256"}))
    claims = b64.encode(orjson.dumps({"aud": f"{parts.scheme}://{parts.netloc}",
                                      "exp": int(time.time()) + JWT_LIFETIME_S,
                                      "sub": subject}))
    signing_input = f"{header}.{claims}".encode()
    r, s = decode_dss_signature(key.private.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    return f"{header}.{claims}.{b64.encode(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"
