"""Remote accounts: the profiles of people on other servers, kept as another server last
described them (created on first sight, updated when their server says they changed); their
avatars and headers copied here (accounts/remote_images.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.images import KINDS
from parley.accounts.models import Account
from parley.accounts.remote_images import keep_images
from parley.lib.ids import new_id
from parley.lib.timefmt import utcnow
from parley.store.dialect import dialect_of


@dataclass(frozen=True)
class RemoteProfile:
    """A remote account as its server describes it (note and fields already sanitised)."""

    uri: str
    username: str
    domain: str
    url: str
    display_name: str = ""
    note: str = ""
    fields: list[dict[str, Any]] = field(default_factory=list)
    avatar_remote_url: str | None = None
    header_remote_url: str | None = None
    locked: bool = False
    bot: bool = False
    discoverable: bool = False
    indexable: bool = False
    created_at: datetime | None = None
    also_known_as: list[str] = field(default_factory=list)  # its aliases (alsoKnownAs)
    # Whether its images are copied here (not from a server whose media is refused).
    fetch_images: bool = True


def _described(profile: RemoteProfile) -> dict[str, Any]:
    return {"url": profile.url, "display_name": profile.display_name[:100],
            "note": profile.note, "note_source": "", "fields": profile.fields,
            "avatar_remote_url": profile.avatar_remote_url,
            "header_remote_url": profile.header_remote_url,
            "locked": profile.locked, "bot": profile.bot,
            "discoverable": profile.discoverable, "indexable": profile.indexable,
            "also_known_as": profile.also_known_as}


async def account_by_uri(session: AsyncSession, uri: str) -> Account | None:
    found: Account | None = await session.scalar(select(Account).where(Account.uri == uri))
    return found


async def store_remote_account(session: AsyncSession, profile: RemoteProfile) -> Account:
    """The remote account `profile` describes, created or brought up to date. Its handle
    is username@domain; a second account claiming a handle taken by another URI keeps the
    first (a handle is not proof of identity: the URI is). Images that changed are fetched
    again (or dropped)."""
    existing = await account_by_uri(session, profile.uri)
    if existing is not None:
        before = {name: getattr(existing, kind.remote_column) for name, kind in KINDS.items()}
        for name, value in _described(profile).items():
            setattr(existing, name, value)
        await session.flush()
        await keep_images(session, existing, before, fetch=profile.fetch_images)
        return existing
    acct_key = f"{profile.username}@{profile.domain}".lower()
    taken = await session.scalar(select(Account.id).where(Account.acct_key == acct_key))
    if taken is not None:
        acct_key = f"{acct_key}#{new_id()}"  # keeps the key unique; the handle shows as is
    await session.execute(dialect_of(session).insert_ignoring(Account, ["uri"]), {
        "id": new_id(), "username": profile.username[:64], "domain": profile.domain,
        "acct_key": acct_key, "uri": profile.uri, **_described(profile),
        "default_privacy": "public", "default_sensitive": False,
        "followers_count": 0, "following_count": 0, "posts_count": 0,
        "created_at": profile.created_at or utcnow()})
    stored = await account_by_uri(session, profile.uri)
    assert stored is not None
    await keep_images(session, stored, {}, fetch=profile.fetch_images)
    return stored
