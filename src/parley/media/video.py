"""Video, GIF and audio through PyAV (FFmpeg in its wheels): probed against the limits at
upload, transcoded by a job to H.264/AAC MP4 (a GIF to a silent MP4: gifv; audio to AAC),
with the first frame kept as the poster. Blocking: call from a thread."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from parley.errors import Invalid
from parley.media.limits import (
    DURATION_LIMIT,
    MAX_FRAMES,
    VIDEO_FRAME_RATE_LIMIT,
    VIDEO_MATRIX_LIMIT,
)

UNREADABLE = "Validation failed: File could not be read as video or audio"
TOO_LONG = f"Validation failed: File is longer than {int(DURATION_LIMIT)} seconds"
_H264_ENCODERS = ("libx264", "libopenh264", "h264")
_AUDIO_RATE = 44_100


@dataclass(frozen=True, slots=True)
class Probe:
    """What a container says about itself: type is "video", "gifv" or "audio"."""

    type: str
    duration: float | None
    width: int
    height: int
    rate: Fraction | None


@dataclass(frozen=True, slots=True)
class Transcoded:
    """The stored file (written to the given path), the poster's raw RGB pixels (none for
    audio) and Mastodon's meta."""

    extension: str
    poster: tuple[bytes, int, int] | None
    meta: dict[str, Any]


def _av() -> Any:
    import av

    return av


def _open(path: Path) -> Any:
    av = _av()
    try:
        return av.open(str(path), metadata_errors="ignore")
    except (av.FFmpegError, UnicodeDecodeError, ValueError):
        raise Invalid(UNREADABLE)


def _duration(container: Any, stream: Any) -> float | None:
    if stream is not None and stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return container.duration / 1_000_000 if container.duration else None


def probe(path: Path, *, animation: bool = False) -> Probe:
    """The kind, length and size of a video, GIF or audio file; Invalid when it is none of
    them or breaks a limit (duration, frame rate, pixels). Reads headers, decodes nothing."""
    with _open(path) as container:
        video = container.streams.video[0] if container.streams.video else None
        audio = container.streams.audio[0] if container.streams.audio else None
        if video is None and audio is None:
            raise Invalid(UNREADABLE)
        duration = _duration(container, video or audio)
        if video is None:
            kind, width, height, rate = "audio", 0, 0, None
        else:
            kind = "gifv" if animation else "video"
            width, height = video.codec_context.width, video.codec_context.height
            rate = video.average_rate or video.guessed_rate
    if duration is not None and duration > DURATION_LIMIT:
        raise Invalid(TOO_LONG)
    if width * height > VIDEO_MATRIX_LIMIT:
        raise Invalid(f"Validation failed: {width}x{height} videos are not supported")
    if rate is not None and rate > VIDEO_FRAME_RATE_LIMIT and kind == "video":
        raise Invalid(f"Validation failed: {float(rate):.0f} fps videos are not supported")
    if kind != "audio" and (width <= 0 or height <= 0):
        raise Invalid(UNREADABLE)
    return Probe(kind, duration, width, height, rate)


def _h264(av: Any) -> str:
    for name in _H264_ENCODERS:
        try:
            av.Codec(name, "w")
        except Exception:  # not in this build of FFmpeg
            continue
        return name
    raise RuntimeError("no H.264 encoder in this FFmpeg build")


def _even(value: int) -> int:
    return max(2, value - value % 2)


def _length(seconds: float) -> str:
    """Mastodon's meta.length: H:MM:SS.ss"""
    minutes, rest = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours}:{minutes:02d}:{rest:05.2f}"


class _Output:
    """The MP4 being written: its streams and what was put in them."""

    def __init__(self, av: Any, path: Path, source: Probe, video: Any, audio: Any) -> None:
        self.container = av.open(str(path), mode="w", format="mp4",
                                 options={"movflags": "+faststart"})
        self.video = self.audio = self.resampler = None
        self.rate = Fraction(25)
        self.frames = 0
        self.last_time = 0.0
        self.poster: tuple[bytes, int, int] | None = None
        if video is not None:
            rate = source.rate if source.rate and source.rate > 0 else Fraction(25)
            self.rate = rate
            self.video = self.container.add_stream(_h264(av), rate=rate)
            self.video.width, self.video.height = _even(source.width), _even(source.height)
            self.video.pix_fmt = "yuv420p"
            self.video.codec_context.time_base = video.time_base or Fraction(1, 1000)
            self.video.options = {"crf": "23", "preset": "veryfast"}
        if audio is not None:
            self.audio = self.container.add_stream("aac", rate=_AUDIO_RATE)
            self.audio.layout = "stereo"
            self.resampler = av.AudioResampler(format="fltp", layout="stereo", rate=_AUDIO_RATE)

    def add_video(self, frame: Any) -> None:
        assert self.video is not None
        if frame.time is not None:
            self.last_time = max(self.last_time, float(frame.time))
        self.frames += 1
        if self.frames > MAX_FRAMES or self.last_time > DURATION_LIMIT:
            raise Invalid(TOO_LONG)
        out = frame.reformat(width=self.video.width, height=self.video.height,
                             format="yuv420p")
        if frame.pts is None:  # some decoders leave timestamps out: count frames instead
            out.pts, out.time_base = self.frames - 1, 1 / self.rate
        else:
            out.pts, out.time_base = frame.pts, frame.time_base
        if self.poster is None:
            self.poster = _pixels(frame)
        self.container.mux(self.video.encode(out))

    def add_audio(self, frame: Any) -> None:
        assert self.audio is not None and self.resampler is not None
        if frame.time is not None:
            self.last_time = max(self.last_time, float(frame.time))
            if self.last_time > DURATION_LIMIT:
                raise Invalid(TOO_LONG)
        for resampled in self.resampler.resample(frame):
            resampled.pts = None
            self.container.mux(self.audio.encode(resampled))

    def close(self) -> None:
        for stream in (self.video, self.audio):
            if stream is not None:
                self.container.mux(stream.encode(None))
        self.container.close()


def _pixels(frame: Any) -> tuple[bytes, int, int]:
    """A frame's RGB pixels, rows packed (FFmpeg pads each row)."""
    rgb = frame.reformat(format="rgb24")
    plane, width, height = rgb.planes[0], rgb.width, rgb.height
    raw, stride = bytes(plane), plane.line_size
    if stride == width * 3:
        return raw, width, height
    return b"".join(raw[y * stride:y * stride + width * 3] for y in range(height)), width, height


def _frames(container: Any, streams: list[Any]) -> Iterator[Any]:
    for packet in container.demux(*streams):
        yield from packet.decode()


def transcode(path: Path, source: Probe, target: Path) -> Transcoded:
    """Write `path` as MP4 (H.264 and AAC; audio alone as AAC in MP4) to `target`."""
    av = _av()
    with _open(path) as container:
        video = container.streams.video[0] if source.type != "audio" else None
        audio = (container.streams.audio[0] if container.streams.audio and
                 source.type != "gifv" else None)
        output = _Output(av, target, source, video, audio)
        try:
            for frame in _frames(container, [s for s in (video, audio) if s is not None]):
                if video is not None and isinstance(frame, av.VideoFrame):
                    output.add_video(frame)
                elif audio is not None:
                    output.add_audio(frame)
            output.close()
        except av.FFmpegError:
            raise Invalid(UNREADABLE)
    if video is not None and output.poster is None:
        raise Invalid(UNREADABLE)
    return Transcoded("m4a" if video is None else "mp4", output.poster,
                      _meta(source, output, target))


def _meta(source: Probe, output: _Output, target: Path) -> dict[str, Any]:
    duration = source.duration or output.last_time
    bitrate = math.floor(target.stat().st_size * 8 / duration) if duration else None
    meta: dict[str, Any] = {"length": _length(duration), "duration": round(duration, 3)}
    original: dict[str, Any] = {"duration": round(duration, 3), "bitrate": bitrate}
    if output.video is not None:
        width, height = output.video.width, output.video.height
        rate = source.rate or Fraction(25)
        fps = round(output.frames / duration) if source.type == "gifv" and duration else \
            round(float(rate))
        meta.update({"fps": fps, "size": f"{width}x{height}", "width": width,
                     "height": height, "aspect": round(width / height, 8)})
        original.update({"width": width, "height": height,
                         "frame_rate": f"{rate.numerator}/{rate.denominator}"})
    if output.audio is not None:
        meta.update({"audio_encode": "aac", "audio_bitrate": f"{_AUDIO_RATE} Hz",
                     "audio_channels": "stereo"})
    meta["original"] = original
    return meta
