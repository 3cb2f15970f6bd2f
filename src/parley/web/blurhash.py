"""Blurhash placeholders for the web gallery: a blurhash decoded into a tiny PNG `data:` URL
that the browser stretches (blurred) under the image while it loads. Server-side, so it
shows without JavaScript and needs no inline style (the web's CSP allows `data:` images,
not inline styles)."""

from __future__ import annotations

import base64
import math
import struct
import zlib
from functools import lru_cache

_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"
_VALUE = {char: index for index, char in enumerate(_DIGITS)}
# The placeholder's pixels: enough for the components a blurhash carries (at most 9 x 9).
SIZE = 8


def _decode83(text: str) -> int:
    value = 0
    for char in text:
        value = value * 83 + _VALUE[char]
    return value


def _to_linear(channel: int) -> float:
    v = channel / 255
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def _to_srgb(value: float) -> int:
    v = min(1.0, max(0.0, value))
    if v <= 0.0031308:
        return round(v * 12.92 * 255)
    return round((1.055 * v ** (1 / 2.4) - 0.055) * 255)


def _components(blurhash: str) -> tuple[int, int, list[tuple[float, float, float]]]:
    """(columns, rows, colours) of a blurhash; ValueError when it is not one."""
    if len(blurhash) < 6 or any(char not in _VALUE for char in blurhash):
        raise ValueError("not a blurhash")
    size = _decode83(blurhash[0])
    columns, rows = size % 9 + 1, size // 9 + 1
    if len(blurhash) != 4 + 2 * columns * rows:
        raise ValueError("not a blurhash")
    maximum = (_decode83(blurhash[1]) + 1) / 166
    dc = _decode83(blurhash[2:6])
    colours = [(_to_linear(dc >> 16), _to_linear((dc >> 8) & 255), _to_linear(dc & 255))]
    for index in range(1, columns * rows):
        value = _decode83(blurhash[4 + index * 2:6 + index * 2])

        def ac(quantised: int) -> float:
            signed = (quantised - 9) / 9
            return math.copysign(signed * signed, signed) * maximum

        colours.append((ac(value // 361), ac(value // 19 % 19), ac(value % 19)))
    return columns, rows, colours


def _pixels(blurhash: str) -> bytes:
    columns, rows, colours = _components(blurhash)
    lines = bytearray()
    for y in range(SIZE):
        lines.append(0)  # PNG filter: none
        for x in range(SIZE):
            r = g = b = 0.0
            for j in range(rows):
                for i in range(columns):
                    basis = (math.cos(math.pi * x * i / SIZE)
                             * math.cos(math.pi * y * j / SIZE))
                    cr, cg, cb = colours[i + j * columns]
                    r, g, b = r + cr * basis, g + cg * basis, b + cb * basis
            lines += bytes((_to_srgb(r), _to_srgb(g), _to_srgb(b)))
    return bytes(lines)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


@lru_cache(maxsize=4096)
def placeholder_url(blurhash: str | None) -> str | None:
    """The blurhash as an 8x8 PNG `data:` URL; None without a (valid) blurhash."""
    if not blurhash:
        return None
    try:
        pixels = _pixels(blurhash)
    except ValueError:
        return None
    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 2, 0, 0, 0)  # 8-bit RGB
    png = (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
           + _chunk(b"IDAT", zlib.compress(pixels)) + _chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(png).decode()
