"""The S3 storage backend against a real S3 API server (moto's, on 127.0.0.1): uploads land
in the bucket, their URLs point there, deleting removes the objects, avatars go there too."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from support import media_files
from support.clients import Clients, SchemaLog, eventually
from support.server import LiveServer, free_port, run_server

BUCKET = "parley-media"


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    url = f"http://127.0.0.1:{port}"
    try:
        _client(url).create_bucket(Bucket=BUCKET)
        yield url
    finally:
        moto.stop()


def _client(url: str) -> Any:
    return boto3.client("s3", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory: pytest.TempPathFactory, s3_url: str) -> Iterator[LiveServer]:
    env = {"PARLEY_MEDIA_STORAGE": "s3", "PARLEY_S3_BUCKET": BUCKET,
           "PARLEY_S3_ENDPOINT_URL": s3_url, "PARLEY_S3_ACCESS_KEY_ID": "test",
           "PARLEY_S3_SECRET_ACCESS_KEY": "test"}
    with run_server(Path(tmp_path_factory.mktemp("s3")), extra_env=env) as live:
        yield live


def _keys(s3_url: str) -> set[str]:
    listed = _client(s3_url).list_objects_v2(Bucket=BUCKET)
    return {item["Key"] for item in listed.get("Contents", [])}


def test_uploads_live_in_the_bucket(s3_server: LiveServer, s3_url: str,
                                    schema_log: SchemaLog) -> None:
    user = Clients(s3_server, schema_log).new_user("bucket")
    media = user.api.media_post(io.BytesIO(media_files.jpeg_with_exif()), mime_type="image/jpeg",
                                file_name="photo.jpg")
    assert media["url"].startswith(f"{s3_url}/{BUCKET}/attachments/")
    stored = httpx.get(media["url"])
    assert stored.status_code == 200 and stored.headers["content-type"] == "image/jpeg"
    assert media_files.CAMERA.encode() not in stored.content
    keys = _keys(s3_url)
    assert {media["url"].rsplit(f"/{BUCKET}/", 1)[1],
            media["preview_url"].rsplit(f"/{BUCKET}/", 1)[1]} <= keys

    video = user.api.media_post(io.BytesIO(media_files.animated_gif()), mime_type="image/gif",
                                file_name="blink.gif")
    done = eventually(lambda: user.api.media(video["id"])["url"], timeout=60)
    assert done and done.startswith(f"{s3_url}/{BUCKET}/")
    assert not any(key.startswith("uploads/") for key in _keys(s3_url))  # raw upload removed

    headers = {"Authorization": f"Bearer {user.api.access_token}"}
    deleted = httpx.delete(f"{s3_server.base_url}/api/v1/media/{media['id']}", headers=headers)
    assert deleted.status_code == 200
    assert eventually(lambda: media["url"].rsplit(f"/{BUCKET}/", 1)[1] not in _keys(s3_url))

    avatar = httpx.patch(f"{s3_server.base_url}/api/v1/accounts/update_credentials",
                         headers=headers,
                         files={"avatar": ("me.png", media_files.png(), "image/png")})
    assert avatar.status_code == 200, avatar.text
    assert avatar.json()["avatar"].startswith(f"{s3_url}/{BUCKET}/avatars/")
    assert httpx.get(avatar.json()["avatar"]).status_code == 200
