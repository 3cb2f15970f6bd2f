"""Media uploads through Mastodon.py and raw HTTP: images processed at once (EXIF gone,
orientation applied, sizes in meta), GIFs and video queued and transcoded by the worker,
one's own attachments read, described and deleted, every refusal a clear 4xx with nothing
stored, files served with their type, a strict CSP and byte ranges."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from mastodon import MastodonAPIError
from PIL import Image

from support import media_files
from support.clients import Clients, TestUser, eventually


@pytest.fixture
def user(clients: Clients) -> TestUser:
    return clients.new_user("media")


def auth(user: TestUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.api.access_token}"}


def upload(user: TestUser, data: bytes, mime: str, name: str, **extra: Any) -> dict[str, Any]:
    return dict(user.api.media_post(io.BytesIO(data), mime_type=mime, file_name=name, **extra))


def fetched_image(http: httpx.Client, url: str) -> tuple[Image.Image, httpx.Response]:
    response = http.get(url)
    assert response.status_code == 200, url
    return Image.open(io.BytesIO(response.content)), response


def status_of(http: httpx.Client, url: str) -> int:
    """A file's status; 0 when it was removed while being sent (that response is cut)."""
    try:
        return http.get(url).status_code
    except httpx.TransportError:
        return 0


def processed(user: TestUser, media_id: str) -> dict[str, Any]:
    done = eventually(lambda: user.api.media(media_id)["url"], timeout=60)
    assert done, "the job did not process the upload"
    return dict(user.api.media(media_id))


def test_a_png_is_processed_at_once_and_served_safely(user: TestUser, http: httpx.Client
                                                      ) -> None:
    media = upload(user, media_files.png((64, 48)), "image/png", "red.png",
                   description="A red rectangle", focus=(0.5, -0.25))
    assert media["type"] == "image" and media["url"] and media["preview_url"]
    assert media["description"] == "A red rectangle"
    assert dict(media["meta"]["original"]) == {"width": 64, "height": 48, "size": "64x48",
                                         "aspect": pytest.approx(64 / 48)}
    assert dict(media["meta"]["focus"]) == {"x": 0.5, "y": -0.25}
    assert isinstance(media["blurhash"], str) and len(media["blurhash"]) >= 6
    image, response = fetched_image(http, media["url"])
    assert image.format == "PNG" and image.size == (64, 48)
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-security-policy"] == "default-src 'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "immutable" in response.headers["cache-control"]
    assert fetched_image(http, media["preview_url"])[0].size == (64, 48)


def test_a_jpeg_loses_its_exif_and_stands_upright(user: TestUser, http: httpx.Client) -> None:
    original = media_files.jpeg_with_exif((80, 40))
    assert media_files.CAMERA.encode() in original
    media = upload(user, original, "image/jpeg", "photo.jpg")
    image, response = fetched_image(http, media["url"])
    assert image.format == "JPEG" and image.size == (40, 80)  # turned as the camera said
    assert not dict(image.getexif())
    assert media_files.CAMERA.encode() not in response.content
    assert media["meta"]["original"]["size"] == "40x80"


def test_a_large_image_is_resized_within_mastodons_areas(user: TestUser, http: httpx.Client
                                                         ) -> None:
    media = upload(user, media_files.png((4800, 2400)), "image/png", "wide.png")
    original, small = media["meta"]["original"], media["meta"]["small"]
    assert original["width"] * original["height"] <= 8_294_400
    assert original["width"] / original["height"] == pytest.approx(2.0, rel=0.01)
    assert small["width"] * small["height"] <= 230_400
    assert fetched_image(http, media["preview_url"])[0].size == (small["width"],
                                                                  small["height"])


def test_refusals_are_clear_and_store_nothing(user: TestUser, http: httpx.Client) -> None:
    truncated = media_files.jpeg_with_exif((400, 300))[:-200]
    cases = [
        (b"just some text, not a picture", "image/png", "fake.png", "content type"),
        (media_files.bomb(), "image/png", "bomb.png", "dimensions"),
        (truncated, "image/jpeg", "cut.jpg", "could not be read"),
        (b"", "image/png", "empty.png", "blank"),
    ]
    for data, mime, name, words in cases:
        response = http.post("/api/v2/media", headers=auth(user),
                             files={"file": (name, data, mime)})
        assert response.status_code == 422, (name, response.text)
        assert words in response.json()["error"], (name, response.text)
    too_long = http.post("/api/v2/media", headers=auth(user),
                         files={"file": ("a.png", media_files.png(), "image/png")},
                         data={"description": "x" * 1501})
    assert too_long.status_code == 422 and "Description" in too_long.json()["error"]
    for focus in ("2,0", "a,b", "0.5"):
        bad = http.post("/api/v2/media", headers=auth(user), data={"focus": focus},
                        files={"file": ("a.png", media_files.png(), "image/png")})
        assert bad.status_code == 422, focus
    assert http.post("/api/v2/media", headers=auth(user), data={"description": "x"}
                     ).status_code == 422
    assert http.post("/api/v2/media", files={"file": ("a.png", media_files.png(),
                                                       "image/png")}).status_code == 401


def _endless(total: int, chunk: int = 1 << 20) -> Iterator[bytes]:
    head = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.mp4\"\r\n"
            b"Content-Type: video/mp4\r\n\r\n")
    yield head
    sent = len(head)
    block = b"\0" * chunk
    while sent < total:
        yield block[:min(chunk, total - sent)]
        sent += chunk


def _rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_200_mb_upload_is_refused_with_413_and_memory_bounded(
        user: TestUser, server: Any, declared: bool) -> None:
    total = 200 * 1024 * 1024
    headers = {**auth(user), "Content-Type": "multipart/form-data; boundary=b"}
    if declared:
        headers["Content-Length"] = str(total)
    before = _rss_kb(server.process.pid)
    with httpx.Client(base_url=server.base_url, timeout=120) as client:
        response = client.post("/api/v2/media", headers=headers, content=_endless(total))
    assert response.status_code == 413
    assert "error" in response.json()
    assert _rss_kb(server.process.pid) - before < 64 * 1024  # not the upload's 200 MB


def test_own_media_read_described_and_deleted(clients: Clients, user: TestUser,
                                              http: httpx.Client) -> None:
    other = clients.new_user("nosy")
    media = upload(user, media_files.png(), "image/png", "mine.png")
    assert user.api.media(media["id"])["id"] == media["id"]
    with pytest.raises(MastodonAPIError):
        other.api.media(media["id"])
    updated = user.api.media_update(media["id"], description="Now described",
                                    focus=(-1.0, 1.0))
    assert updated["description"] == "Now described"
    assert dict(updated["meta"]["focus"]) == {"x": -1.0, "y": 1.0}
    assert http.put(f"/api/v1/media/{media['id']}", headers=auth(other),
                    data={"description": "mine now"}).status_code == 404
    assert http.put(f"/api/v1/media/{media['id']}", headers=auth(user),
                    json={"focus": "3,3"}).status_code == 422
    assert http.delete(f"/api/v1/media/{media['id']}", headers=auth(other)).status_code == 404
    deleted = http.delete(f"/api/v1/media/{media['id']}", headers=auth(user))
    assert deleted.status_code == 200
    assert http.get(f"/api/v1/media/{media['id']}", headers=auth(user)).status_code == 404
    assert eventually(lambda: status_of(http, media["url"]) == 404)


def test_a_gif_becomes_gifv(user: TestUser, http: httpx.Client) -> None:
    queued = upload(user, media_files.animated_gif(), "image/gif", "blink.gif")
    assert queued["type"] == "gifv"
    media = processed(user, queued["id"])
    assert media["type"] == "gifv" and media["url"].endswith(".mp4")
    assert media["meta"]["original"]["width"] == 48
    assert media["preview_url"].endswith(".jpg")
    response = http.get(media["url"])
    assert response.headers["content-type"] == "video/mp4"
    assert b"ftyp" in response.content[:16]
    with av_open(response.content) as container:
        assert not container.streams.audio  # gifv is silent


def av_open(data: bytes) -> Any:
    import av

    return av.open(io.BytesIO(data))


def test_a_webm_becomes_mp4_with_a_poster(user: TestUser, http: httpx.Client) -> None:
    response = http.post("/api/v2/media", headers=auth(user),
                         files={"file": ("clip.webm", media_files.webm(2.0, 10), "video/webm")},
                         data={"description": "A short clip"})
    assert response.status_code == 202, response.text
    assert response.json()["url"] is None
    pending = http.get(f"/api/v1/media/{response.json()['id']}", headers=auth(user))
    assert pending.status_code in (200, 206)
    media = processed(user, response.json()["id"])
    assert media["type"] == "video" and media["description"] == "A short clip"
    meta = media["meta"]
    assert meta["original"]["width"] == 128 and meta["original"]["height"] == 96
    assert meta["original"]["frame_rate"] == "10/1" and meta["fps"] == 10
    assert meta["original"]["duration"] == pytest.approx(2.0, abs=0.3)
    assert meta["small"]["width"] == 128
    assert http.get(f"/api/v1/media/{media['id']}", headers=auth(user)).status_code == 200
    file = http.get(media["url"])
    with av_open(file.content) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert container.streams.audio[0].codec_context.name == "aac"
    poster, _ = fetched_image(http, media["preview_url"])
    assert poster.size == (128, 96)
    part = http.get(media["url"], headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.content) == 100
    assert part.headers["content-range"] == f"bytes 0-99/{len(file.content)}"


def test_a_ten_minute_video_is_refused(user: TestUser, http: httpx.Client) -> None:
    long_video = media_files.webm(600.0, 1, (64, 64), audio=False)
    response = http.post("/api/v2/media", headers=auth(user),
                         files={"file": ("long.webm", long_video, "video/webm")})
    assert response.status_code == 422 and "longer" in response.json()["error"]


def test_the_legacy_endpoint_answers_processed(user: TestUser, http: httpx.Client) -> None:
    response = http.post("/api/v1/media", headers=auth(user),
                         files={"file": ("blink.gif", media_files.animated_gif(), "image/gif")})
    assert response.status_code == 200, response.text
    assert response.json()["type"] == "gifv" and response.json()["url"].endswith(".mp4")


def test_a_video_gets_the_thumbnail_its_owner_chose(user: TestUser, http: httpx.Client
                                                    ) -> None:
    queued = upload(user, media_files.webm(1.0, 5, audio=False), "video/webm", "v.webm",
                    thumbnail=io.BytesIO(media_files.png((32, 32), (0, 0, 255))),
                    thumbnail_mime_type="image/png")
    media = processed(user, queued["id"])
    thumb, _ = fetched_image(http, media["preview_url"])
    assert thumb.size == (32, 32) and thumb.getpixel((16, 16))[2] > 200
    changed = http.put(f"/api/v1/media/{media['id']}", headers=auth(user),
                       files={"thumbnail": ("t.png", media_files.png((20, 20)), "image/png")})
    assert changed.status_code == 200
    assert changed.json()["preview_url"] != media["preview_url"]
    assert fetched_image(http, changed.json()["preview_url"])[0].size == (20, 20)


def test_the_instance_advertises_the_limits(http: httpx.Client) -> None:
    media = http.get("/api/v2/instance").json()["configuration"]["media_attachments"]
    assert media["image_size_limit"] == 16 * 1024 * 1024
    assert media["video_size_limit"] == 99 * 1024 * 1024
    assert media["image_matrix_limit"] == 33_177_600
    assert media["description_limit"] == 1500
    assert "video/webm" in media["supported_mime_types"]
