"""Profile images (avatar and header): checked, resized and stored under the data directory's
media/ folder, served at /media/...; the account then points at the stored file."""

from __future__ import annotations

import asyncio
import io
import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.config import Settings
from parley.errors import Invalid
from parley.lib.ids import new_id

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding them
ACCEPTED_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}
# Stored names are ours alone: kind/number.png, nothing a request can steer elsewhere.
STORED_NAME = re.compile(r"^(avatars|headers)/[0-9]{1,20}\.png$")


@dataclass(frozen=True)
class ImageKind:
    folder: str
    size: tuple[int, int]


AVATAR = ImageKind("avatars", (400, 400))
HEADER = ImageKind("headers", (1500, 500))


def media_root(settings: Settings) -> Path:
    return settings.data_dir / "media"


def _process(data: bytes, size: tuple[int, int]) -> bytes:
    """PNG bytes of the image cropped to fill `size`; Invalid for anything not an image."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise Invalid("Validation failed: the image must be PNG, JPEG, GIF or WebP")
            if probe.width * probe.height > MAX_PIXELS:
                raise Invalid("Validation failed: the image is too large")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.seek(0)  # the first frame of an animation
            upright = ImageOps.exif_transpose(image).convert("RGBA")
            fitted = ImageOps.fit(upright, size, Image.Resampling.LANCZOS)
            out = io.BytesIO()
            fitted.save(out, format="PNG", optimize=True)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise Invalid("Validation failed: the file is not an image that can be read")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(data)
    temporary.replace(path)


async def store_profile_image(session: AsyncSession, settings: Settings, account: Account, *,
                              kind: ImageKind, data: bytes) -> Account:
    """Check, resize and store an uploaded avatar or header, and point the account at it."""
    if not data:
        raise Invalid("Validation failed: the image file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise Invalid("Validation failed: the image is larger than 8 MB")
    png = await asyncio.to_thread(_process, data, kind.size)
    name = f"{kind.folder}/{new_id()}.png"
    await asyncio.to_thread(_write, media_root(settings) / name, png)
    url = f"{settings.base_url}/media/{name}"
    account = await session.merge(account)
    if kind is AVATAR:
        account.avatar_url = url
    else:
        account.header_url = url
    await session.flush()
    return account


def stored_file(settings: Settings, name: str) -> Path | None:
    """The stored file for a /media/ path, or None for any name this module did not make."""
    if not STORED_NAME.match(name):
        return None
    path = media_root(settings) / name
    return path if path.is_file() else None
