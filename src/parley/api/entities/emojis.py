"""Mastodon's CustomEmoji entity, for other servers' emoji (Parley has none of its own):
each with the copy stored here; one whose image is not in yet is left out."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.config import Settings
from parley.media.emoji import EmojiRow, emoji_url
from parley.media.storage import Storage, storage_for
from parley.posts.emoji_rows import emojis_of, profile_shortcodes
from parley.store.rawwrite import SessionSql


def emoji_entities(storage: Storage, emojis: Iterable[EmojiRow]) -> list[dict[str, Any]]:
    entities = []
    for emoji in emojis:
        url = emoji_url(storage, emoji)
        if url is not None:
            entities.append({"shortcode": emoji.shortcode, "url": url, "static_url": url,
                             "visible_in_picker": False, "category": None})
    return entities


async def profile_emojis(session: AsyncSession, settings: Settings, account: Account
                         ) -> list[dict[str, Any]]:
    """The CustomEmojis a remote account's profile uses (one query; none for a local one),
    for an Account rendered on its own."""
    codes = profile_shortcodes(account) if account.domain is not None else set()
    if account.domain is None or not codes:
        return []
    found = await emojis_of(SessionSql(session), {(account.domain, code) for code in codes})
    return emoji_entities(storage_for(settings), found.values())
