"""What an upload is, from its first bytes: the name and type a client sends are not trusted
(a text file called photo.png is not a photo)."""

from __future__ import annotations

from dataclasses import dataclass

from parley.media.limits import IMAGE_SIZE_LIMIT, VIDEO_SIZE_LIMIT

HEAD_BYTES = 64


@dataclass(frozen=True, slots=True)
class Sniffed:
    """kind: "image" (decoded by the image pipeline), "animation" (a GIF: gifv), "video" or
    "audio" (the video pipeline); format: a short name of the container."""

    kind: str
    format: str

    @property
    def size_limit(self) -> int:
        return IMAGE_SIZE_LIMIT if self.kind == "image" else VIDEO_SIZE_LIMIT


_ISO_BRANDS_IMAGE = (b"avif", b"avis", b"heic", b"heix", b"mif1", b"msf1")
_ISO_BRANDS_AUDIO = (b"M4A ", b"M4B ")


def _iso(head: bytes) -> Sniffed | None:
    """ISO base media files (MP4, MOV, M4A, AVIF, HEIC) say what they are after 'ftyp'."""
    if head[4:8] != b"ftyp":
        return None
    brand = head[8:12]
    if brand in _ISO_BRANDS_IMAGE:
        return Sniffed("image", "heif")
    if brand in _ISO_BRANDS_AUDIO:
        return Sniffed("audio", "mp4")
    return Sniffed("video", "mov" if brand == b"qt  " else "mp4")


def sniff(head: bytes) -> Sniffed | None:
    """The kind of file these first bytes begin, or None for anything Parley does not take."""
    iso = _iso(head)
    if iso is not None:
        return iso
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("image", "jpeg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image", "png")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return Sniffed("animation", "gif")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("image", "webp")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return Sniffed("audio", "wav")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Sniffed("video", "webm")
    if head.startswith(b"OggS"):
        return Sniffed("audio", "ogg")
    if head.startswith(b"fLaC"):
        return Sniffed("audio", "flac")
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return Sniffed("audio", "mp3")
    return None
