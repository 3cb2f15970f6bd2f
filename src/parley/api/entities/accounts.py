"""Account, CredentialAccount and Relationship entities."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.links import is_link
from parley.accounts.models import Account
from parley.accounts.roles import Role
from parley.api.entities.emojis import profile_emojis
from parley.config import Settings
from parley.featured.service import endorsed_among
from parley.lib.html import plain_to_html
from parley.posts.rows import AccountRow
from parley.social.notes import notes_among
from parley.social.service import Relationship, relationships
from parley.store.rawsql import date_of, json_of


def _field_value(value: str) -> str:
    """A field's value as HTML: a link as a link (rel="me", so that its page can verify this
    profile in turn, as Mastodon writes it), other text escaped."""
    if is_link(value):
        url = html.escape(value.strip(), quote=True)
        return (f'<a href="{url}" target="_blank" rel="nofollow noopener me" '
                f'translate="no">{url}</a>')
    return plain_to_html(value)[3:-4] if value else ""


def _fields(account: Account | AccountRow) -> list[dict[str, Any]]:
    return [
        {"name": field.get("name", ""), "value": _field_value(field.get("value", "")),
         "verified_at": field.get("verified_at")}
        for field in json_of(account.fields) or []
    ]


def account_entity(account: Account | AccountRow, settings: Settings, *,
                   emojis: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Mastodon's Account, from the ORM or from a raw row (SQLite's raw rows carry text
    timestamps and 0/1 booleans). created_at is the day the account was made, as Mastodon
    shows it; `emojis`: the CustomEmojis its profile uses (api/entities/emojis.py)."""
    avatar = account.avatar_url or f"{settings.base_url}/static/avatar.png"
    header = account.header_url or f"{settings.base_url}/static/header.png"
    return {
        "id": str(account.id),
        "username": account.username,
        "acct": account.acct,
        "display_name": account.display_name,
        "locked": bool(account.locked),
        "bot": bool(account.bot),
        "discoverable": bool(account.discoverable),
        "indexable": bool(account.indexable),
        "group": False,
        "created_at": f"{date_of(account.created_at)}T00:00:00.000Z",
        "note": account.note,
        "url": account.url,
        "uri": account.uri,
        "avatar": avatar,
        "avatar_static": avatar,
        "avatar_description": account.avatar_description,
        "header": header,
        "header_static": header,
        "header_description": account.header_description,
        "followers_count": account.followers_count,
        "following_count": account.following_count,
        "statuses_count": account.posts_count,
        "last_status_at": date_of(account.last_post_at),
        "hide_collections": bool(account.hide_collections),
        "noindex": not account.indexable,
        "emojis": emojis or [],
        "roles": [],
        "fields": _fields(account),
    }


async def render_account(session: AsyncSession, account: Account, settings: Settings
                         ) -> dict[str, Any]:
    """One Account as a profile shows it: with the custom emojis its profile uses, and with
    `moved`, the account it moved to, when it has moved (as Mastodon; lists of accounts
    leave it out)."""
    entity = account_entity(account, settings,
                            emojis=await profile_emojis(session, settings, account))
    if account.moved_to_account_id is not None:
        moved = await session.get(Account, account.moved_to_account_id)
        if moved is not None:
            entity["moved"] = account_entity(moved, settings)
    return entity


def credential_account_entity(account: Account, settings: Settings, *,
                              follow_requests_count: int, role: Role) -> dict[str, Any]:
    """The signed-in user's own Account, with `source` (what they typed)."""
    entity = account_entity(account, settings)
    entity["source"] = {
        "privacy": account.default_privacy,
        "quote_policy": account.default_quote_policy,
        "sensitive": account.default_sensitive,
        "language": account.default_language or "",
        "note": account.note_source,
        "fields": [{"name": f.get("name", ""), "value": f.get("value", ""),
                    "verified_at": f.get("verified_at")} for f in account.fields or []],
        "follow_requests_count": follow_requests_count,
        "hide_collections": bool(account.hide_collections),
        "discoverable": account.discoverable,
        "indexable": account.indexable,
        "attribution_domains": list(account.attribution_domains or []),
    }
    entity["role"] = role.entity()
    return entity


def relationship_entity(rel: Relationship, *, endorsed: bool, note: str = "") -> dict[str, Any]:
    """Mastodon's Relationship; `note` is the viewer's private note on the account."""
    return {
        "id": str(rel.account_id),
        "following": rel.following,
        "showing_reblogs": rel.showing_reposts,
        "notifying": rel.notifying,
        "languages": None,
        "followed_by": rel.followed_by,
        "blocking": rel.blocking,
        "blocked_by": rel.blocked_by,
        "muting": rel.muting,
        "muting_notifications": rel.muting_notifications,
        "requested": rel.requested,
        "requested_by": rel.requested_by,
        "domain_blocking": rel.domain_blocking,
        "endorsed": endorsed and rel.following,
        "note": note,
    }


async def render_relationships(session: AsyncSession, viewer_id: int,
                               account_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The viewer's Relationships with these accounts (follows, exclusions and notes from
    social, endorsements from featured), in the order asked."""
    rels = await relationships(session, viewer_id, account_ids)
    ids = [rel.account_id for rel in rels]
    endorsed = await endorsed_among(session, account_id=viewer_id, target_ids=ids)
    notes = await notes_among(session, account_id=viewer_id, target_ids=ids)
    return [relationship_entity(rel, endorsed=rel.account_id in endorsed,
                                note=notes.get(rel.account_id, "")) for rel in rels]


async def render_relationship(session: AsyncSession, viewer_id: int, account_id: int
                              ) -> dict[str, Any]:
    """The viewer's Relationship with one account, as follow/block/mute/endorse answer."""
    [entity] = await render_relationships(session, viewer_id, [account_id])
    return entity
