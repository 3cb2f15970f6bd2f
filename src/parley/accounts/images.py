"""Profile images (avatar and header): cropped through the media pipeline (media/images.py)
and kept in media storage; the account then points at the stored file."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.config import Settings
from parley.errors import Invalid
from parley.lib.ids import new_id
from parley.media import images
from parley.media.sniff import HEAD_BYTES, sniff
from parley.media.storage import storage_for

MAX_UPLOAD_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class ImageKind:
    folder: str
    size: tuple[int, int]


AVATAR = ImageKind("avatars", (400, 400))
HEADER = ImageKind("headers", (1500, 500))


def _process(data: bytes, size: tuple[int, int], directory: Path) -> bytes:
    """PNG bytes of the image cropped to fill `size`; Invalid for anything not an image."""
    sniffed = sniff(data[:HEAD_BYTES])
    if sniffed is None or sniffed.kind not in ("image", "animation"):
        raise Invalid("Validation failed: the image must be PNG, JPEG, GIF or WebP")
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=directory) as source:
        source.write(data)
        source.flush()
        return images.cropped_png(Path(source.name), size)


async def store_profile_image(session: AsyncSession, settings: Settings, account: Account, *,
                              kind: ImageKind, data: bytes) -> Account:
    """Check, resize and store an uploaded avatar or header, and point the account at it."""
    if not data:
        raise Invalid("Validation failed: the image file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise Invalid("Validation failed: the image is larger than 8 MB")
    png = await asyncio.to_thread(_process, data, kind.size, settings.data_dir / "tmp")
    storage = storage_for(settings)
    key = f"{kind.folder}/{new_id()}.png"
    await storage.put(key, png)
    account = await session.merge(account)
    if kind is AVATAR:
        account.avatar_url = storage.url(key)
    else:
        account.header_url = storage.url(key)
    await session.flush()
    return account
