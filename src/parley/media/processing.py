"""From an uploaded file on disk (or a link card's fetched image) to stored files: what it is
(sniffed, never the name a client sends), within which limits, processed by which pipeline,
kept under which keys. No database here: the caller records the outcome (media/service.py,
cards/jobs.py)."""

from __future__ import annotations

import asyncio
import os
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from parley.config import Settings
from parley.errors import Invalid
from parley.media import images, video
from parley.media.models import DONE, PROCESSING
from parley.media.sniff import HEAD_BYTES, Sniffed, sniff
from parley.media.storage import PRIVATE_PREFIX, content_type_of, storage_for

NOT_MEDIA = "Validation failed: File content type is invalid"
# Decoding costs memory per file (an 8 MP original is ~25 MB of pixels): a process decodes
# at most this many at once, however many uploads arrive together (the others wait).
PIPELINE_SLOTS = max(1, os.cpu_count() or 1)
_slots: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}
EMPTY = "Validation failed: File can't be blank"
T = TypeVar("T")


@dataclass
class Outcome:
    """What processing made of an upload (or what it will be once a job has processed it):
    the attachment's fields, and every key stored so far (removed if it is not recorded)."""

    id: int
    type: str
    state: str
    file_key: str | None = None
    small_key: str | None = None
    upload_key: str | None = None
    content_type: str | None = None
    file_size: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    blurhash: str | None = None

    def stored_keys(self) -> list[str]:
        return [key for key in (self.file_key, self.small_key, self.upload_key) if key]


def new_key(owner_id: int, what: str, extension: str, *, folder: str = "attachments"
            ) -> str:
    """A fresh, never reused name: a changed file gets a new URL, so every URL can be cached
    for ever. `folder`: what owns the file (attachments; cards for link cards' images)."""
    return f"{folder}/{owner_id}/{secrets.token_hex(6)}-{what}.{extension}"


def tmp_dir(settings: Settings) -> Path:
    """Working files beside the data (the same disk as local storage)."""
    path = settings.data_dir / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


async def in_slot(work: Callable[..., T], *args: Any) -> T:
    """Run blocking pipeline work in a thread once one of the process's slots is free."""
    loop = asyncio.get_running_loop()
    slots = _slots.setdefault(loop, asyncio.Semaphore(PIPELINE_SLOTS))
    async with slots:
        return await asyncio.to_thread(work, *args)


def sniff_file(path: Path, size: int) -> Sniffed:
    """The upload's kind, within its kind's size limit; Invalid otherwise."""
    if size <= 0:
        raise Invalid(EMPTY)
    with path.open("rb") as reader:
        sniffed = sniff(reader.read(HEAD_BYTES))
    if sniffed is None:
        raise Invalid(NOT_MEDIA)
    if size > sniffed.size_limit:
        raise Invalid(f"Validation failed: File file size must be less than "
                      f"{sniffed.size_limit // (1024 * 1024)} MB")
    return sniffed


async def _store_image(settings: Settings, media_id: int, processed: images.ProcessedImage
                       ) -> Outcome:
    storage = storage_for(settings)
    original, small = processed.original, processed.small
    outcome = Outcome(media_id, "image", DONE, meta={"original": original.meta(),
                                                     "small": small.meta()},
                      blurhash=processed.blurhash)
    outcome.file_key = new_key(media_id, "original", original.extension)
    await storage.put(outcome.file_key, original.data)
    outcome.small_key = new_key(media_id, "small", small.extension)
    await storage.put(outcome.small_key, small.data)
    outcome.content_type = content_type_of(outcome.file_key)
    outcome.file_size = len(original.data)
    return outcome


async def store_transcoded(settings: Settings, media_id: int, source: video.Probe,
                           path: Path) -> Outcome:
    """Transcode a video, GIF or audio file and store the MP4 and its poster's preview."""
    storage = storage_for(settings)
    with tempfile.TemporaryDirectory(dir=tmp_dir(settings)) as work:
        target = Path(work) / "out.mp4"
        done = await in_slot(video.transcode, path, source, target)
        outcome = Outcome(media_id, source.type, DONE, meta=done.meta,
                          file_size=target.stat().st_size)
        outcome.file_key = new_key(media_id, "original", done.extension)
        await storage.put(outcome.file_key, target)
    if done.poster is not None:
        small, blurhash = await in_slot(images.preview_of_pixels, *done.poster)
        outcome.small_key = new_key(media_id, "small", small.extension)
        await storage.put(outcome.small_key, small.data)
        outcome.meta["small"] = small.meta()
        outcome.blurhash = blurhash
    outcome.content_type = content_type_of(outcome.file_key)
    return outcome


def _inspect(path: Path, sniffed: Sniffed) -> images.Header | video.Probe:
    """An image's header, or a moving file's probe (a GIF of one frame is an image)."""
    if sniffed.kind == "image":
        return images.read_header(path)
    if sniffed.kind == "animation":
        header = images.read_header(path)
        if header.pages <= 1:
            return header
        return video.probe(path, animation=True)
    return video.probe(path)


async def process_upload(settings: Settings, media_id: int, path: Path, size: int, *,
                         synchronous: bool) -> Outcome:
    """Check and process an upload. Images are processed now; video, GIFs and audio too when
    `synchronous` (the legacy v1 endpoint), else the upload is stored for a job."""
    sniffed = await asyncio.to_thread(sniff_file, path, size)
    inspected = await in_slot(_inspect, path, sniffed)
    if isinstance(inspected, images.Header):
        processed = await in_slot(images.process_image, path, inspected)
        return await _store_image(settings, media_id, processed)
    if synchronous:
        return await store_transcoded(settings, media_id, inspected, path)
    outcome = Outcome(media_id, inspected.type, PROCESSING)
    outcome.upload_key = f"{PRIVATE_PREFIX}{media_id}/{secrets.token_hex(6)}.bin"
    await storage_for(settings).put(outcome.upload_key, path)
    return outcome


async def store_thumbnail(settings: Settings, media_id: int, path: Path, size: int
                          ) -> tuple[str, str]:
    """A preview its owner chose (for audio and video above all): (key, blurhash)."""
    sniffed = await asyncio.to_thread(sniff_file, path, size)
    if sniffed.kind not in ("image", "animation"):
        raise Invalid(NOT_MEDIA)
    small, blurhash = await in_slot(images.preview_of, path)
    key = new_key(media_id, "thumb", small.extension)
    await storage_for(settings).put(key, small.data)
    return key, blurhash


@dataclass(frozen=True)
class StoredImage:
    """An image stored for something other than an attachment (a link card's)."""

    key: str
    width: int
    height: int
    blurhash: str


async def store_card_image(settings: Settings, card_id: int, data: bytes) -> StoredImage:
    """A link card's image from the bytes fetched: sniffed (never the type the site sent),
    checked and shrunk by the image pipeline (images.card_image: pixels checked before
    decoding, metadata dropped), stored under cards/; Invalid when it is no usable image."""
    sniffed = sniff(data[:HEAD_BYTES])
    if sniffed is None or sniffed.kind not in ("image", "animation"):
        raise Invalid(NOT_MEDIA)
    with tempfile.TemporaryDirectory(dir=tmp_dir(settings)) as work:
        path = Path(work) / "image"
        await asyncio.to_thread(path.write_bytes, data)
        image, blurhash = await in_slot(images.card_image, path)
    key = new_key(card_id, "image", image.extension, folder="cards")
    await storage_for(settings).put(key, image.data)
    return StoredImage(key, image.width, image.height, blurhash)


async def remove_files(settings: Settings, keys: list[str]) -> None:
    storage = storage_for(settings)
    for key in keys:
        await storage.delete(key)
