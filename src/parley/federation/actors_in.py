"""Remote actors: found by URI (their document fetched, checked and kept as an account with
its inboxes and key) and refreshed when a day old; and the key a signature names, fetched
again once when a signature fails with the key we hold (the actor may have rotated it)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urldefrag

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.accounts.remote import RemoteProfile, account_by_uri, store_remote_account
from parley.config import Settings
from parley.federation import parse
from parley.federation.client import domain_of
from parley.federation.fetch import InstanceSigner, NotAnObject, fetch_object
from parley.federation.keys import (
    instance_actor_uri,
    key_id_of,
    local_key,
    remember_remote_key,
    remote_key,
    signing_key,
)
from parley.federation.media_in import custom_emojis, fetches_media
from parley.federation.models import ActorKey, RemoteActor
from parley.federation.webfinger_in import handle_domain
from parley.lib.fetch import FetchRefused
from parley.lib.timefmt import as_utc, utcnow
from parley.store.database import Database

STALE_AFTER = timedelta(days=1)


async def instance_signer(db: Database, settings: Settings) -> InstanceSigner:
    """The instance actor's signing key (made on first need)."""
    uri = instance_actor_uri(settings)
    async with db.lookup() as session:
        key = await session.get(ActorKey, key_id_of(uri))
    if key is None:
        async with db.write() as session:
            key = await local_key(session, settings, key_id=key_id_of(uri), account_id=None)
    signing = signing_key(settings, key)
    return InstanceSigner(signing.key_id, signing.private_key_pem)


async def _fresh(db: Database, uri: str) -> Account | None:
    async with db.lookup() as session:
        account = await account_by_uri(session, uri)
        if account is None or account.domain is None:
            return account
        actor = await session.get(RemoteActor, account.id)
    if actor is None or utcnow() - as_utc(actor.fetched_at) > STALE_AFTER:
        return None
    return account


async def resolve_actor(db: Database, settings: Settings, uri: str, *,
                        refresh: bool = False, confirmed_domain: str | None = None) -> Account:
    """The account of the actor `uri` (a local one as it is; a remote one fetched when
    unknown, a day old or `refresh`); FetchRefused or parse.Unreadable when it cannot be.
    `confirmed_domain`: the actor's own host, whose WebFinger has just named this actor
    (a lookup by handle): its handle's domain needs no second asking."""
    uri = urldefrag(uri).url
    if not refresh:
        known = await _fresh(db, uri)
        if known is not None:
            return known
    if uri.startswith(settings.base_url + "/"):
        async with db.lookup() as session:
            local = await account_by_uri(session, uri)
        if local is None:
            raise FetchRefused(f"no local actor {uri}")
        return local
    document = await fetch_object(settings, await instance_signer(db, settings), uri)
    return await _keep(db, settings, document, uri, confirmed_domain=confirmed_domain)


async def _keep(db: Database, settings: Settings, document: dict[str, Any], uri: str, *,
                confirmed_domain: str | None = None) -> Account:
    """Store a fetched actor document that claims to be `uri` (fetch_object has checked
    that it came from that origin); its key must live there too. A new account's handle
    takes its domain from WebFinger (webfinger_in.handle_domain)."""
    parsed = parse.actor(document)
    if parsed.uri != uri or domain_of(parsed.key_id) != domain_of(uri):
        raise NotAnObject(f"{uri} describes another actor")
    async with db.read() as session:
        known = await account_by_uri(session, uri) is not None
    domain = None if known else (confirmed_domain if confirmed_domain == domain_of(uri)
                                 else await handle_domain(settings, parsed.username, uri))
    async with db.write() as session:
        return await store_actor(session, parsed, domain=domain)


async def store_actor(session: AsyncSession, parsed: parse.ParsedActor, *,
                      domain: str | None = None) -> Account:
    """Keep an actor document: the account (its images and custom emoji copied here, unless
    its server's media are refused), its inboxes and collections, its key. `domain`: a new
    account's handle's, when it is not its actor's host."""
    known = await account_by_uri(session, parsed.uri)
    # A known account keeps its handle (its domain decides whose media rules apply).
    domain = (known.domain if known is not None else None) or domain or domain_of(parsed.uri)
    fetch = await fetches_media(session, domain)
    account = await store_remote_account(session, RemoteProfile(
        uri=parsed.uri, username=parsed.username, domain=domain,
        url=parsed.url, display_name=parsed.display_name, note=parsed.summary,
        fields=parsed.fields, avatar_remote_url=parsed.avatar_url,
        header_remote_url=parsed.header_url, locked=parsed.locked, bot=parsed.bot,
        discoverable=parsed.discoverable, indexable=parsed.indexable,
        created_at=parsed.created_at, also_known_as=parsed.also_known_as, fetch_images=fetch))
    await custom_emojis(session, domain, parsed.emojis, fetch=fetch)
    actor = await session.get(RemoteActor, account.id)
    if actor is None:
        actor = RemoteActor(account_id=account.id)
        session.add(actor)
    actor.actor_type, actor.inbox_url = parsed.actor_type, parsed.inbox
    actor.shared_inbox_url, actor.outbox_url = parsed.shared_inbox, parsed.outbox
    actor.followers_url, actor.following_url = parsed.followers, parsed.following
    actor.featured_url, actor.fetched_at, actor.gone_at = parsed.featured, utcnow(), None
    await session.flush()
    await remember_remote_key(session, key_id=parsed.key_id, account_id=account.id,
                              public_key_pem=parsed.public_key_pem)
    return account


async def key_for(db: Database, settings: Settings, key_id: str, *, refresh: bool = False
                  ) -> tuple[Account, str]:
    """The remote account a key id belongs to and the key's PEM: as held, or (unknown, or
    `refresh` after a failed check) fetched from the key's actor."""
    if not refresh:
        async with db.lookup() as session:
            key = await remote_key(session, key_id)
            owner = (await session.get(Account, key.account_id)
                     if key is not None and key.account_id is not None else None)
        if key is not None and owner is not None:
            return owner, key.public_key_pem
    # Mastodon's key ids are the actor's URI with a fragment; GoToSocial's a URL of their
    # own that serves the actor (or a key document naming its owner).
    url = urldefrag(key_id).url
    document = await fetch_object(settings, await instance_signer(db, settings), url)
    if document.get("type") in parse.ACTOR_TYPES:
        owner = await _keep(db, settings, document, str(document["id"]))
    else:
        owner_uri = parse.iri(document.get("owner"))
        assert owner_uri is not None
        owner = await resolve_actor(db, settings, owner_uri, refresh=True)
    async with db.lookup() as session:
        key = await session.scalar(select(ActorKey).where(ActorKey.account_id == owner.id))
    if key is None or key.key_id != key_id:
        raise NotAnObject(f"{owner.uri} does not own the key {key_id}")
    return owner, key.public_key_pem
