"""A received Note's attachments in media's words (media/remote.py records and fetches them),
and whether this server fetches them at all (not from a domain whose media it rejects)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from parley.federation.parse import ParsedNote
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
