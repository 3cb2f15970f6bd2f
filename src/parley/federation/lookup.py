"""Finding things on other servers: a handle through WebFinger (RFC 7033) to its actor, a
URL to the actor or post it serves. What is found is stored, and its URI returned, so that
search and mentions find it as if it had always been known."""

from __future__ import annotations

import logging
from typing import Any

from parley.accounts.remote import account_by_uri
from parley.accounts.service import find_by_acct
from parley.config import Settings
from parley.federation import parse
from parley.federation.actors_in import instance_signer, resolve_actor
from parley.federation.fetch import fetch_object
from parley.federation.notes_in import store_note
from parley.federation.webfinger_in import split_handle, webfinger
from parley.lib.fetch import FetchRefused
from parley.posts.remote import post_by_uri
from parley.store.database import Database

log = logging.getLogger("parley.federation")


async def look_up(db: Database, settings: Settings, query: str, *, fresh: bool = False
                  ) -> str | None:
    """Make the account or post `query` names known here (a handle or a URL); its URI, or
    None when nothing was found. `fresh`: a handle's actor is fetched again even when
    held."""
    query = query.strip()
    try:
        if query.startswith(("https://", "http://")):
            return await _by_url(db, settings, query)
        if "@" in query.lstrip("@"):
            known = await _known_handle(db, settings, query)
            uri = known or await webfinger(settings, query)
            named = split_handle(query)
            return (await resolve_actor(
                db, settings, uri, refresh=fresh,
                confirmed_domain=named[1] if named and not known else None)).uri if uri else None
    except (FetchRefused, parse.Unreadable) as failed:
        log.info("could not look up %s: %s", query, failed)
    return None


async def _known_handle(db: Database, settings: Settings, handle: str) -> str | None:
    """The URI of an account already known by this handle (no WebFinger needed: its
    document is refreshed when stale)."""
    async with db.read() as session:
        account = await find_by_acct(session, settings, handle)
    return account.uri if account is not None and account.domain is not None else None


async def _by_url(db: Database, settings: Settings, url: str) -> str | None:
    if url.startswith(settings.base_url + "/"):
        return None  # local: search finds it by itself
    async with db.read() as session:
        if await account_by_uri(session, url) is not None or await post_by_uri(
                session, url) is not None:
            return url
    document = await fetch_object(settings, await instance_signer(db, settings), url)
    if document.get("type") in parse.ACTOR_TYPES:
        return (await resolve_actor(db, settings, str(document["id"]))).uri
    if document.get("type") in parse.NOTE_TYPES:
        post = await store_note(db, settings, document)
        return post.uri if post is not None else None
    return None


def remote_lookup(db: Database, settings: Settings) -> Any:
    """The lookup app.py installs (http/remote.py's seam)."""
    async def lookup(query: str, *, fresh: bool = False) -> str | None:
        if not settings.federation:
            return None
        return await look_up(db, settings, query, fresh=fresh)
    return lookup
