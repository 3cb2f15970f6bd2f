"""Actors' RSA keys: a local account's key pair, made on first need (its private half sealed
with the server's secret, so that a copy of the database alone cannot sign as anyone), the
instance actor's, and remote actors' public keys as their documents gave them."""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.config import Settings
from parley.federation.models import ActorKey
from parley.lib.sealing import seal, unseal
from parley.store.database import Database
from parley.store.dialect import dialect_of
from parley.store.rawsql import Reader, Sql

_PURPOSE = "actor-key"
KEY_BITS = 2048


@dataclass(frozen=True)
class SigningKey:
    """What signing a request as an actor needs: the key id peers look up, the private key."""

    key_id: str
    private_key_pem: str


def key_id_of(actor_uri: str) -> str:
    return f"{actor_uri}#main-key"


def instance_actor_uri(settings: Settings) -> str:
    """The server's own actor: it signs fetches made on nobody's behalf."""
    return f"{settings.base_url}/actor"


def _new_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


async def new_key_pair() -> tuple[str, str]:
    """(private PEM, public PEM) of a new RSA-2048 key; made on a thread (tens of ms of
    CPU that must not stall the event loop)."""
    return await asyncio.to_thread(_new_pair)


async def _stored(session: AsyncSession, key_id: str) -> ActorKey | None:
    return await session.get(ActorKey, key_id)


async def local_key(session: AsyncSession, settings: Settings, *, key_id: str,
                    account_id: int | None) -> ActorKey:
    """The local actor's key (an account's, or the instance actor's with no account), made
    now if it has none (in the caller's transaction: key_of makes it outside one); two
    racing makers keep the first."""
    found = await _stored(session, key_id)
    if found is not None:
        return found
    return await _store_new(session, settings, key_id, account_id, await new_key_pair())


async def _store_new(session: AsyncSession, settings: Settings, key_id: str,
                     account_id: int | None, pair: tuple[str, str]) -> ActorKey:
    private, public = pair
    await session.execute(dialect_of(session).insert_ignoring(ActorKey, ["key_id"]), {
        "key_id": key_id, "account_id": account_id, "public_key_pem": public,
        "private_key_sealed": seal(settings.secret_key, _PURPOSE, private)})
    stored = await _stored(session, key_id)
    assert stored is not None
    return stored


@functools.lru_cache(maxsize=1024)
def _unsealed(secret_key: str, sealed: str) -> str:
    text = unseal(secret_key, _PURPOSE, sealed)
    if text is None:
        raise RuntimeError("an actor's private key cannot be unsealed: PARLEY_SECRET_KEY "
                           "changed since it was made")
    return text


def signing_key(settings: Settings, key: ActorKey) -> SigningKey:
    """The key as signing needs it (unsealed once per process and key)."""
    if key.private_key_sealed is None:
        raise ValueError(f"{key.key_id} is no local key")
    return SigningKey(key.key_id, _unsealed(settings.secret_key, key.private_key_sealed))


@dataclass(frozen=True)
class HeldKey:
    """A remote actor's public key as held, and its owner."""

    owner_id: int
    owner_uri: str
    public_key_pem: str


_HELD_KEY = Sql("""
    SELECT a.id, a.uri, k.public_key_pem FROM actor_keys k JOIN accounts a ON a.id = k.account_id
    WHERE k.key_id = :key_id AND k.private_key_sealed IS NULL""")


async def held_key(reader: Reader, key_id: str) -> HeldKey | None:
    """remote_key() with its owner, on the raw read path (every delivery's signature needs
    it: one statement of microseconds)."""
    rows = await reader.fetch(_HELD_KEY, {"key_id": key_id})
    return HeldKey(rows[0][0], rows[0][1], rows[0][2]) if rows else None


async def remote_key(session: AsyncSession, key_id: str) -> ActorKey | None:
    """A key known by its id (a remote actor's, as last fetched)."""
    key = await _stored(session, key_id)
    return key if key is None or key.private_key_sealed is None else None


async def remember_remote_key(session: AsyncSession, *, key_id: str, account_id: int,
                              public_key_pem: str) -> None:
    """Keep a remote actor's public key: its one key (a rotated key replaces the old one)."""
    previous = await session.scalar(select(ActorKey).where(ActorKey.account_id == account_id))
    if previous is not None and previous.key_id == key_id:
        previous.public_key_pem = public_key_pem
        await session.flush()
        return
    if previous is not None:
        await session.delete(previous)
        await session.flush()
    await session.execute(dialect_of(session).insert_ignoring(ActorKey, ["key_id"]), {
        "key_id": key_id, "account_id": account_id, "public_key_pem": public_key_pem,
        "private_key_sealed": None})


async def key_of(db: Database, settings: Settings, *, key_id: str, account_id: int | None
                 ) -> ActorKey:
    """A local actor's key, made (outside any transaction) and stored if it has none yet."""
    async with db.lookup() as session:
        found = await _stored(session, key_id)
    if found is not None:
        return found
    pair = await new_key_pair()
    async with db.write() as session:
        return await _store_new(session, settings, key_id, account_id, pair)
