"""Where media files live, behind one small interface: the data directory (served by Parley
at /media/...) or an S3-compatible bucket (scale mode). Keys are made by Parley alone
(media/keys.py), never taken from a request."""

from __future__ import annotations

import asyncio
import mimetypes
import re
import shutil
import threading
from pathlib import Path
from typing import Any, Protocol

from parley.config import Settings

# Every key Parley makes: folders of lowercase words and digits, a file with an extension.
KEY = re.compile(r"^[a-z0-9_]+(/[a-z0-9_-]+){1,4}\.[a-z0-9]{2,4}$")
# Raw uploads waiting for the worker: never public.
PRIVATE_PREFIX = "uploads/"
CONTENT_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png",
                 "webp": "image/webp", "gif": "image/gif", "mp4": "video/mp4",
                 "m4a": "audio/mp4", "mp3": "audio/mpeg", "bin": "application/octet-stream"}


def content_type_of(key: str) -> str:
    extension = key.rsplit(".", 1)[-1]
    return CONTENT_TYPES.get(extension) or mimetypes.guess_type(key)[0] or \
        "application/octet-stream"


class Storage(Protocol):
    """Put, get and delete files by key; their public URL; a byte range of one."""

    async def put(self, key: str, source: Path | bytes) -> None: ...

    async def get(self, key: str) -> bytes: ...

    async def delete(self, key: str) -> None: ...

    async def download(self, key: str, target: Path) -> None:
        """Copy a stored file to a local path (a job's working copy)."""
        ...

    def url(self, key: str) -> str: ...

    # One instance per configuration (storage_for), so rendered URLs can be kept by it.
    def __hash__(self) -> int: ...

    async def read_range(self, key: str, start: int, end: int) -> bytes:
        """Bytes start..end inclusive (an HTTP range)."""
        ...


class LocalStorage:
    """Files under data_dir/media/, written atomically (a temporary name, then a rename)."""

    def __init__(self, root: Path, base_url: str) -> None:
        self.root = root
        self.base_url = base_url

    def path(self, key: str) -> Path | None:
        """The file for a key, or None for a key Parley could not have made or no file."""
        if not KEY.match(key):
            return None
        path = self.root / key
        return path if path.is_file() else None

    def _put(self, key: str, source: Path | bytes) -> None:
        if not KEY.match(key):
            raise ValueError(f"not a storage key: {key!r}")
        target = self.root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(target.name + ".tmp")
        if isinstance(source, bytes):
            temporary.write_bytes(source)
        else:
            with source.open("rb") as reader, temporary.open("wb") as writer:
                while chunk := reader.read(1 << 20):
                    writer.write(chunk)
        temporary.replace(target)

    async def put(self, key: str, source: Path | bytes) -> None:
        await asyncio.to_thread(self._put, key, source)

    async def get(self, key: str) -> bytes:
        path = self.path(key)
        if path is None:
            raise FileNotFoundError(key)
        return await asyncio.to_thread(path.read_bytes)

    async def delete(self, key: str) -> None:
        if KEY.match(key):
            await asyncio.to_thread((self.root / key).unlink, True)

    def url(self, key: str) -> str:
        return f"{self.base_url}/media/{key}"

    async def download(self, key: str, target: Path) -> None:
        path = self.path(key)
        if path is None:
            raise FileNotFoundError(key)
        await asyncio.to_thread(shutil.copyfile, path, target)

    def _range(self, key: str, start: int, end: int) -> bytes:
        path = self.path(key)
        if path is None:
            raise FileNotFoundError(key)
        with path.open("rb") as reader:
            reader.seek(start)
            return reader.read(end - start + 1)

    async def read_range(self, key: str, start: int, end: int) -> bytes:
        return await asyncio.to_thread(self._range, key, start, end)


class S3Storage:
    """An S3-compatible bucket through boto3 (its calls run in threads). Files are served by
    the bucket or a CDN in front of it (s3_public_url), never through Parley."""

    def __init__(self, settings: Settings) -> None:
        import boto3  # only scale mode needs it loaded

        self.bucket = settings.s3_bucket
        self.acl = settings.s3_acl
        self.client: Any = boto3.client(
            "s3", endpoint_url=settings.s3_endpoint_url or None,
            region_name=settings.s3_region,
            aws_access_key_id=settings.s3_access_key_id or None,
            aws_secret_access_key=settings.s3_secret_access_key or None)
        endpoint = (settings.s3_endpoint_url or
                    f"https://{self.bucket}.s3.{settings.s3_region}.amazonaws.com").rstrip("/")
        default = f"{endpoint}/{self.bucket}" if settings.s3_endpoint_url else endpoint
        self.public_url = (settings.s3_public_url or default).rstrip("/")

    def _put(self, key: str, source: Path | bytes) -> None:
        extra = {"ContentType": content_type_of(key),
                 "CacheControl": "public, max-age=31536000, immutable"}
        if self.acl and not key.startswith(PRIVATE_PREFIX):
            extra["ACL"] = self.acl
        if isinstance(source, bytes):
            self.client.put_object(Bucket=self.bucket, Key=key, Body=source, **extra)
        else:
            self.client.upload_file(str(source), self.bucket, key, ExtraArgs=extra)

    async def put(self, key: str, source: Path | bytes) -> None:
        if not KEY.match(key):
            raise ValueError(f"not a storage key: {key!r}")
        await asyncio.to_thread(self._put, key, source)

    def _get(self, key: str, byte_range: str | None = None) -> bytes:
        extra = {"Range": byte_range} if byte_range else {}
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=key, **extra)
        except self.client.exceptions.NoSuchKey:
            raise FileNotFoundError(key)
        body: bytes = answer["Body"].read()
        return body

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._get, key)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=key)

    def url(self, key: str) -> str:
        return f"{self.public_url}/{key}"

    async def download(self, key: str, target: Path) -> None:
        await asyncio.to_thread(self.client.download_file, self.bucket, key, str(target))

    async def read_range(self, key: str, start: int, end: int) -> bytes:
        return await asyncio.to_thread(self._get, key, f"bytes={start}-{end}")


_stores: dict[tuple[object, ...], Storage] = {}
_lock = threading.Lock()


def storage_for(settings: Settings) -> Storage:
    """The storage these settings name (one per configuration in a process: boto3 clients
    are costly to make)."""
    if settings.media_storage == "s3":
        ident: tuple[object, ...] = ("s3", settings.s3_bucket, settings.s3_endpoint_url,
                                     settings.s3_public_url)
    else:
        ident = ("local", str(settings.data_dir), settings.base_url)
    with _lock:
        store = _stores.get(ident)
        if store is None:
            store = (S3Storage(settings) if settings.media_storage == "s3" else
                     LocalStorage(settings.data_dir / "media", settings.base_url))
            _stores[ident] = store
        return store
