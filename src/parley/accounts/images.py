"""Profile images (avatar and header): cropped through the media pipeline (media/images.py)
and kept in media storage; the account then points at the stored file. A local account's
upload and a remote account's fetched image (accounts/remote_images.py) take the same path."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.config import Settings
from parley.errors import Invalid
from parley.events import record
from parley.events.social import ProfileUpdated
from parley.lib.ids import new_id
from parley.media import images
from parley.media.sniff import HEAD_BYTES, sniff
from parley.media.storage import storage_for

MAX_UPLOAD_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class ImageKind:
    name: str  # avatar | header
    folder: str
    size: tuple[int, int]

    @property
    def column(self) -> str:
        """The account's column holding the stored copy's URL."""
        return f"{self.name}_url"

    @property
    def remote_column(self) -> str:
        """A remote account's column holding the image's URL on its server."""
        return f"{self.name}_remote_url"


AVATAR = ImageKind("avatar", "avatars", (400, 400))
HEADER = ImageKind("header", "headers", (1500, 500))
KINDS = {kind.name: kind for kind in (AVATAR, HEADER)}


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


async def stored_image(settings: Settings, kind: ImageKind, data: bytes) -> str:
    """Check, crop and store an avatar or header; the stored copy's URL."""
    if not data:
        raise Invalid("Validation failed: the image file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise Invalid("Validation failed: the image is larger than 8 MB")
    png = await asyncio.to_thread(_process, data, kind.size, settings.data_dir / "tmp")
    storage = storage_for(settings)
    key = f"{kind.folder}/{new_id()}.png"
    await storage.put(key, png)
    return storage.url(key)


def stored_key(settings: Settings, url: str | None) -> str | None:
    """The storage key of a profile image this server stored (None for any other URL)."""
    prefix = storage_for(settings).url("")
    if not url or not url.startswith(prefix):
        return None
    key = url[len(prefix):]
    return key if key.startswith(tuple(f"{k.folder}/" for k in KINDS.values())) else None


async def store_profile_image(session: AsyncSession, settings: Settings, account: Account, *,
                              kind: ImageKind, data: bytes) -> Account:
    """Check, resize and store an uploaded avatar or header, and point the account at it."""
    url = await stored_image(settings, kind, data)
    account = await session.merge(account)
    setattr(account, kind.column, url)
    await session.flush()
    await record(session, ProfileUpdated(account.id))
    return account
