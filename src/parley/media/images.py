"""The one image pipeline (libvips through pyvips; the measurement behind the choice is in
docs/benchmarks.md): dimensions checked from the header before any decoding, orientation
applied, metadata dropped, resized within Mastodon's areas, a preview and a blurhash.
Avatars and headers are cropped through it too. Blocking: call from a thread."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parley.errors import Invalid
from parley.media.limits import (
    CARD_IMAGE_PIXELS,
    EMOJI_PIXELS,
    IMAGE_MATRIX_LIMIT,
    ORIGINAL_PIXELS,
    SMALL_PIXELS,
)

UNREADABLE = "Validation failed: File could not be read as an image"
TOO_MANY_PIXELS = "Validation failed: File dimensions are too large ({w}x{h})"
# Where the stored file keeps the upload's format (Mastodon's choice): JPEG, PNG and WebP
# stay; a still GIF becomes PNG, HEIF/AVIF become JPEG (not every browser shows them).
_OUTPUT = {"jpegload": "jpg", "pngload": "png", "webpload": "webp", "gifload": "png",
           "heifload": "jpg"}
# A link card's image keeps its format too, but a GIF becomes its first frame as a JPEG
# (Mastodon's); HEIF is not taken for cards.
_CARD_OUTPUT = {"jpegload": "jpg", "pngload": "png", "webpload": "webp", "gifload": "jpg"}
_SAVE_OPTIONS: dict[str, dict[str, Any]] = {
    "jpg": {"Q": 85},
    "png": {"compression": 6},
    "webp": {"Q": 80},
}
# Optimised Huffman tables (and progressive scans) make libjpeg hold the whole image's
# coefficients: +45 MB for an 8 MP original, for 12% fewer bytes. Only previews get them.
_SMALL_JPEG = {"Q": 85, "optimize_coding": True, "interlace": True}
_BLURHASH_COMPONENTS = (4, 4)
_setup_lock = threading.Lock()
_ready = False


def _vips() -> Any:
    """pyvips, loaded on first use (nothing runs at import) and set not to keep decoded
    images in its operation cache: memory per upload stays what one upload needs."""
    global _ready
    import pyvips

    with _setup_lock:
        if not _ready:
            pyvips.cache_set_max(0)
            pyvips.cache_set_max_mem(0)
            _ready = True
    return pyvips


@dataclass(frozen=True, slots=True)
class Rendition:
    """One stored version: its encoded bytes and pixel size."""

    data: bytes
    width: int
    height: int
    extension: str

    def meta(self) -> dict[str, Any]:
        """Mastodon's meta.original / meta.small."""
        return {"width": self.width, "height": self.height,
                "size": f"{self.width}x{self.height}",
                "aspect": round(self.width / self.height, 8) if self.height else None}


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    original: Rendition
    small: Rendition
    blurhash: str


@dataclass(frozen=True, slots=True)
class Header:
    """What an image file says about itself before it is decoded."""

    loader: str
    width: int  # as displayed (orientation applied)
    height: int
    pages: int


def read_header(path: Path, *, matrix_limit: int = IMAGE_MATRIX_LIMIT) -> Header:
    """The header of an image file; Invalid if it is not one, or declares more pixels than
    `matrix_limit` (a few KB of PNG can declare gigabytes of bitmap)."""
    vips = _vips()
    try:
        image = vips.Image.new_from_file(str(path), access="sequential")
        loader = str(image.get("vips-loader"))
        width, height = int(image.width), int(image.height)
        orientation = _field(image, "orientation", 1)
        pages = _field(image, "n-pages", 1)
    except vips.Error:
        raise Invalid(UNREADABLE)
    if loader not in _OUTPUT:
        raise Invalid(UNREADABLE)
    if width * height > matrix_limit:
        raise Invalid(TOO_MANY_PIXELS.format(w=width, h=height))
    if orientation in (5, 6, 7, 8):  # turned a quarter: width and height swap
        width, height = height, width
    return Header(loader=loader, width=width, height=height, pages=pages)


def _field(image: Any, name: str, default: int) -> int:
    return int(image.get(name)) if image.get_typeof(name) != 0 else default


def _within(width: int, height: int, pixels: int) -> tuple[int, int]:
    """The largest size of this aspect with at most `pixels` pixels (never larger)."""
    if width * height <= pixels:
        return width, height
    scale = math.sqrt(pixels / (width * height))
    return max(1, math.floor(width * scale)), max(1, math.floor(height * scale))


def _srgb(image: Any, *, alpha: bool) -> Any:
    if image.interpretation not in ("srgb", "b-w"):
        image = image.colourspace("srgb")
    if not alpha and image.hasalpha():
        image = image.flatten(background=[255, 255, 255])
    return image


def _encode(image: Any, extension: str, *, small: bool = False) -> Rendition:
    image = _srgb(image, alpha=extension != "jpg")
    options = _SMALL_JPEG if small and extension == "jpg" else _SAVE_OPTIONS[extension]
    data = image.write_to_buffer(f".{extension}", keep="none", **options)
    return Rendition(bytes(data), int(image.width), int(image.height), extension)


def _blurhash(image: Any) -> str:
    import blurhash

    tiny = _srgb(image.thumbnail_image(32, height=32), alpha=False)
    if tiny.bands == 1:
        tiny = tiny.bandjoin([tiny, tiny])
    width, height, raw = tiny.width, tiny.height, tiny.write_to_memory()
    rows = [[list(raw[(y * width + x) * 3:(y * width + x) * 3 + 3]) for x in range(width)]
            for y in range(height)]
    return str(blurhash.encode(rows, *_BLURHASH_COMPONENTS))


def _thumbnail(path: Path, size: tuple[int, int]) -> Any:
    """The file shrunk to fit `size`, decoded as it is read: thumbnail() shrinks while it
    decodes (a JPEG at 1/2, 1/4, 1/8) and applies the orientation; fail_on makes a truncated
    file an error rather than a grey band."""
    return _vips().Image.thumbnail(str(path), size[0], height=size[1], size="down",
                                   fail_on="error")


def process_image(path: Path, header: Header | None = None) -> ProcessedImage:
    """The stored original (orientation applied, metadata gone, at most 3840x2160 in area),
    a preview (640x360 in area) and a blurhash of an uploaded image. Each version is decoded
    from the file on its own, streaming, rather than from a decoded original held in memory:
    peak memory stays a few rows of pixels plus the small preview (docs/benchmarks.md)."""
    vips = _vips()
    header = header or read_header(path)
    extension = _OUTPUT[header.loader]
    try:
        stored = _encode(_thumbnail(path, _within(header.width, header.height,
                                                  ORIGINAL_PIXELS)), extension)
        small_image = _thumbnail(path, _within(header.width, header.height,
                                               SMALL_PIXELS)).copy_memory()
        return ProcessedImage(stored, _encode(small_image, extension, small=True),
                              _blurhash(small_image))
    except vips.Error:
        raise Invalid(UNREADABLE)


def _shrunk(path: Path, header: Header, pixels: int, extension: str) -> tuple[Rendition, str]:
    """The file within `pixels` in area, encoded as `extension` without its metadata, and
    its blurhash (decoded once, streaming: the shrunk image is all that is held)."""
    vips = _vips()
    try:
        image = _thumbnail(path, _within(header.width, header.height, pixels)).copy_memory()
        return _encode(image, extension, small=True), _blurhash(image)
    except vips.Error:
        raise Invalid(UNREADABLE)


def preview_of(path: Path) -> tuple[Rendition, str]:
    """A preview (640x360 in area, JPEG) and blurhash of an image file: a thumbnail its owner
    uploaded for a video or audio file."""
    return _shrunk(path, read_header(path), SMALL_PIXELS, "jpg")


def card_image(path: Path) -> tuple[Rendition, str]:
    """A link card's image (Mastodon's: within 640x360 in area, never enlarged) and its
    blurhash, from a fetched file; Invalid when it is no JPEG, PNG, GIF or WebP, or declares
    too many pixels (checked before decoding)."""
    header = read_header(path)
    extension = _CARD_OUTPUT.get(header.loader)
    if extension is None:
        raise Invalid(UNREADABLE)
    return _shrunk(path, header, CARD_IMAGE_PIXELS, extension)


def emoji_png(path: Path) -> Rendition:
    """A custom emoji's image: a PNG within 256x256 in area (never enlarged; an animation's
    first frame); Invalid when it is no JPEG, PNG, GIF or WebP, or declares too many pixels."""
    header = read_header(path)
    if header.loader not in _CARD_OUTPUT:
        raise Invalid(UNREADABLE)
    return _shrunk(path, header, EMOJI_PIXELS, "png")[0]


def cropped_png(path: Path, size: tuple[int, int]) -> bytes:
    """PNG bytes of the image cropped to fill `size` (avatars, headers)."""
    vips = _vips()
    read_header(path)
    try:
        image = vips.Image.thumbnail(str(path), size[0], height=size[1], crop="centre",
                                     fail_on="error")
        return _encode(image, "png").data
    except vips.Error:
        raise Invalid(UNREADABLE)


def preview_of_pixels(raw: bytes, width: int, height: int) -> tuple[Rendition, str]:
    """The preview (640x360 in area, JPEG) and blurhash of a video's poster frame (packed
    RGB pixels)."""
    vips = _vips()
    image = vips.Image.new_from_memory(raw, width, height, 3, "uchar")
    small_size = _within(width, height, SMALL_PIXELS)
    small_image = image.thumbnail_image(small_size[0], height=small_size[1], size="down")
    return _encode(small_image, "jpg", small=True), _blurhash(small_image)
