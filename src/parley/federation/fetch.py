"""Fetching ActivityStreams documents from other servers: signed as the instance actor (so
servers in authorized-fetch mode answer), over the shared address-checked client, with an
ActivityStreams content type, a bounded size, and the document kept only under the URL it
was fetched from, never under an `id` it merely claims (Mastodon's advisory GHSA-jhrq-qvrm-
qr36: a document must share the origin of the URL that served it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import orjson

from parley.config import Settings
from parley.federation.client import check_scheme, domain_of, peer_client
from parley.federation.signatures import sign_request
from parley.federation.vocab import ACTIVITY_JSON, LD_JSON, is_activity_json
from parley.lib.fetch import FetchRefused

MAX_BYTES = 1_000_000
MAX_REDIRECTS = 3
ACCEPT = f"{ACTIVITY_JSON}, {LD_JSON}"


@dataclass(frozen=True)
class InstanceSigner:
    """The instance actor's key, for signed fetches."""

    key_id: str
    private_key_pem: str


class NotAnObject(FetchRefused):
    """The document is no ActivityStreams object we may keep (wrong type, origin, id)."""


async def fetch_object(settings: Settings, signer: InstanceSigner, url: str) -> dict[str, Any]:
    """The ActivityStreams document at `url`, following up to MAX_REDIRECTS redirects within
    its origin. Its `id` must be the URL finally fetched (or, after a redirect, lie on the
    same origin): FetchRefused or NotAnObject otherwise."""
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        check_scheme(current, settings)
        response = await _get(settings, signer, current)
        if response.is_redirect and "location" in response.headers:
            target = urljoin(current, response.headers["location"])
            if domain_of(target) != domain_of(url):
                raise NotAnObject(f"{url} redirects to another server")
            current = target
            continue
        document = await _document(response, current)
        _check_identity(document, url, current)
        return document
    raise FetchRefused("too many redirects")


async def _get(settings: Settings, signer: InstanceSigner, url: str) -> httpx.Response:
    headers = sign_request("GET", url, key_id=signer.key_id,
                           private_key_pem=signer.private_key_pem)
    headers["accept"] = ACCEPT
    request = peer_client(settings).build_request("GET", url, headers=headers)
    try:
        response = await peer_client(settings).send(request, stream=True)
    except httpx.HTTPError as error:
        raise FetchRefused(str(error) or type(error).__name__) from error
    return response


async def _document(response: httpx.Response, url: str) -> dict[str, Any]:
    try:
        if response.status_code != 200:
            raise FetchRefused(f"{url} answered {response.status_code}")
        if not is_activity_json(response.headers.get("content-type")):
            raise NotAnObject(f"{url} is not an ActivityStreams document")
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > MAX_BYTES:
                raise NotAnObject(f"{url} is larger than {MAX_BYTES} bytes")
    except httpx.HTTPError as error:
        raise FetchRefused(str(error) or type(error).__name__) from error
    finally:
        await response.aclose()
    try:
        document = orjson.loads(bytes(body))
    except orjson.JSONDecodeError as error:
        raise NotAnObject(f"{url} is not JSON") from error
    if not isinstance(document, dict):
        raise NotAnObject(f"{url} is not a JSON object")
    return document


def _check_identity(document: dict[str, Any], requested: str, fetched: str) -> None:
    claimed = document.get("id")
    if not isinstance(claimed, str):
        raise NotAnObject(f"{fetched} has no id")
    if claimed in (requested, fetched):
        return
    if _origin(claimed) != _origin(fetched):
        raise NotAnObject(f"{fetched} claims to be {claimed}, on another server")


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()
