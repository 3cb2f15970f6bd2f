"""The media pipeline without a server: sniffing by content, header checks before decoding,
the areas Mastodon resizes to, focus parsing, and the storage keys Parley accepts."""

from __future__ import annotations

from pathlib import Path

import pytest

from parley.errors import Invalid
from parley.media import images, video
from parley.media.images import _within
from parley.media.service import parse_focus
from parley.media.sniff import sniff
from parley.media.storage import KEY
from support import media_files


def test_sniffing_reads_content_not_names() -> None:
    assert sniff(media_files.png()[:64]) is not None
    assert sniff(media_files.png()[:64]).kind == "image"  # type: ignore[union-attr]
    assert sniff(media_files.animated_gif()[:64]).kind == "animation"  # type: ignore[union-attr]
    assert sniff(media_files.webm(0.2, 5, audio=False)[:64]).kind == "video"  # type: ignore[union-attr]
    assert sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>") is None
    assert sniff(b"%PDF-1.7") is None


def test_a_bomb_is_refused_from_its_header(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(media_files.bomb())
    assert path.stat().st_size < 64 * 1024
    with pytest.raises(Invalid, match="dimensions"):
        images.read_header(path)


def test_areas_keep_the_aspect_and_never_grow() -> None:
    assert _within(4000, 3000, 8_294_400) == (3325, 2494)
    assert _within(640, 360, 230_400) == (640, 360)
    assert _within(100, 50, 230_400) == (100, 50)
    width, height = _within(10_000, 10, 230_400)
    assert width * height <= 230_400 and height >= 1


def test_focus_is_two_numbers_between_minus_one_and_one() -> None:
    assert parse_focus("0.5,-1") == (0.5, -1.0)
    assert parse_focus("") is None
    for bad in ("1.5,0", "nan,0", "1", "a,b", "0,0,0"):
        with pytest.raises(Invalid):
            parse_focus(bad)


def test_storage_keys_are_parleys_own() -> None:
    assert KEY.match("attachments/123/ab12cd-original.jpg")
    assert KEY.match("avatars/123.png")
    for bad in ("../etc/passwd", "attachments/../../x.jpg", "/abs/x.png", "a.png",
                "attachments/1/x.JPG", "attachments/1/x y.jpg"):
        assert not KEY.match(bad), bad


def test_a_video_probe_reads_duration_and_size(tmp_path: Path) -> None:
    path = tmp_path / "clip.webm"
    path.write_bytes(media_files.webm(1.0, 10, (128, 96), audio=False))
    probe = video.probe(path)
    assert (probe.type, probe.width, probe.height) == ("video", 128, 96)
    assert probe.duration == pytest.approx(1.0, abs=0.2)
    transcoded = video.transcode(path, probe, tmp_path / "out.mp4")
    assert transcoded.extension == "mp4" and transcoded.poster is not None
    assert transcoded.meta["original"]["frame_rate"] == "10/1"


def test_a_card_image_is_shrunk_to_mastodons_card_size(tmp_path: Path) -> None:
    """Within 640x360 in area, never enlarged; a PNG stays PNG, a GIF's first frame becomes
    a JPEG; a bomb is refused from its header."""
    big, small, gif, bomb = (tmp_path / name for name in ("big.png", "small.png", "a.gif",
                                                           "bomb.png"))
    big.write_bytes(media_files.png((1920, 1080)))
    small.write_bytes(media_files.png((64, 48)))
    gif.write_bytes(media_files.animated_gif())
    bomb.write_bytes(media_files.bomb())
    image, blurhash = images.card_image(big)
    assert (image.width, image.height, image.extension) == (640, 360, "png") and blurhash
    image, _ = images.card_image(small)
    assert (image.width, image.height) == (64, 48)
    image, _ = images.card_image(gif)
    assert (image.width, image.height, image.extension) == (48, 32, "jpg")
    with pytest.raises(Invalid, match="dimensions"):
        images.card_image(bomb)
