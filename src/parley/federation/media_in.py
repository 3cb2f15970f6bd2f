"""A received Note's attachments and an actor's or a note's custom emoji in media's words
(media/remote.py and media/emoji.py record and fetch them), and whether this server fetches
them at all (not from a domain whose media it rejects)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from parley.federation.parse import ParsedEmoji, ParsedNote
from parley.media.emoji import RemoteEmoji, keep_emojis
from parley.media.remote import RemoteMedia
from parley.moderation.blocks import rejects_media


def remote_media(parsed: ParsedNote) -> list[RemoteMedia]:
    return [RemoteMedia(url=item.url, media_type=item.media_type,
                        description=item.description, blurhash=item.blurhash,
                        focus=item.focus) for item in parsed.attachments]


def any_sensitive(parsed: ParsedNote) -> bool:
    """Misskey and others mark single files sensitive; Mastodon marks the post."""
    return parsed.sensitive or any(item.sensitive for item in parsed.attachments)


async def fetches_media(session: AsyncSession, domain: str | None) -> bool:
    return domain is not None and not await rejects_media(session, domain)


async def custom_emojis(session: AsyncSession, domain: str | None,
                        emojis: Sequence[ParsedEmoji], *, fetch: bool) -> None:
    """Keep the custom emoji a post or profile of `domain` declares (their images fetched
    when `fetch`)."""
    if domain is not None and emojis:
        await keep_emojis(session, domain=domain, fetch=fetch, emojis=[
            RemoteEmoji(emoji.shortcode, emoji.url) for emoji in emojis])
