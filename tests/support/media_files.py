"""Small media files made in the test (Pillow and PyAV), never committed: images with and
without EXIF, an animated GIF, WebM video, a truncated file and a decompression bomb."""

from __future__ import annotations

import io
from fractions import Fraction

import av
from PIL import Image

EXIF_ORIENTATION, EXIF_MAKE, EXIF_GPS = 0x0112, 0x010F, 0x8825
CAMERA = "ParleyTestCam"


def png(size: tuple[int, int] = (64, 48), colour: tuple[int, int, int] = (200, 30, 30)
        ) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_with_exif(size: tuple[int, int] = (80, 40)) -> bytes:
    """A JPEG whose camera turned it a quarter (orientation 6), with a maker and a place."""
    image = Image.new("RGB", size, (20, 160, 60))
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6
    exif[EXIF_MAKE] = CAMERA
    exif[EXIF_GPS] = {1: "N", 2: (48.0, 51.0, 24.0)}
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes(), quality=90)
    return buffer.getvalue()


def animated_gif(frames: int = 4, size: tuple[int, int] = (48, 32)) -> bytes:
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]
    images = [Image.new("RGB", size, colours[i % len(colours)]) for i in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:],
                   duration=100, loop=0)
    return buffer.getvalue()


def bomb(side: int = 6300) -> bytes:
    """A few KB of PNG that decodes to side x side pixels."""
    buffer = io.BytesIO()
    Image.new("1", (side, side)).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def webm(seconds: float = 1.0, fps: int = 10, size: tuple[int, int] = (128, 96),
         audio: bool = True) -> bytes:
    """A VP8 WebM with a moving picture (and a silent Opus track)."""
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="webm") as container:
        stream = container.add_stream("libvpx", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        sound = container.add_stream("libopus", rate=48_000) if audio else None
        for index in range(round(seconds * fps)):
            picture = Image.new("RGB", size, ((index * 40) % 256, 90, 160))
            frame = av.VideoFrame.from_image(picture)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
        if sound is not None:
            _silence(container, sound, seconds)
    return buffer.getvalue()


def _silence(container: av.container.OutputContainer, stream: av.audio.AudioStream,
             seconds: float) -> None:
    samples, done = 960, 0
    while done < seconds * 48_000:
        frame = av.AudioFrame(format="s16", layout="stereo", samples=samples)
        frame.planes[0].update(bytes(frame.planes[0].buffer_size))
        frame.rate, frame.pts, frame.time_base = 48_000, done, Fraction(1, 48_000)
        container.mux(stream.encode(frame))
        done += samples
    container.mux(stream.encode(None))
