"""Asking other servers' WebFinger (RFC 7033): which actor a handle names (its `self` link,
JRD at most 100 kB), and which domain a remote actor's handle has. That is its actor's host,
unless the host's WebFinger names the account at another domain whose own WebFinger points
back at the same actor (Mastodon's "WebFinger domain": people @example.com whose actors live
at social.example.com). Whatever fails keeps the host: a handle is never taken on one
server's word alone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import orjson

from parley.config import Settings
from parley.federation import parse
from parley.federation.client import check_scheme, domain_of, peer_client
from parley.federation.vocab import is_activity_json
from parley.lib.fetch import FetchRefused

MAX_JRD = 100_000
_DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,252})(:[0-9]{1,5})?$")


@dataclass(frozen=True)
class Jrd:
    """What a WebFinger answer says: the handle it names (`subject`) and its actor."""

    subject: str | None
    actor: str | None


def _scheme(settings: Settings) -> str:
    return "http" if settings.federation_insecure_peers else "https"


def split_handle(handle: str) -> tuple[str, str] | None:
    """(username, domain) of `user@domain` or `acct:user@domain` (domain lower-cased);
    None when it is no handle."""
    username, _, domain = handle.strip().removeprefix("acct:").lstrip("@").rpartition("@")
    domain = domain.lower()
    if not username or "@" in username or not _DOMAIN.match(domain):
        return None
    return username, domain


async def finger(settings: Settings, handle: str) -> Jrd | None:
    """The WebFinger answer for a handle (None when there is none: not found, not JSON);
    FetchRefused when the server cannot be reached."""
    named = split_handle(handle)
    if named is None:
        return None
    username, domain = named
    url = (f"{_scheme(settings)}://{domain}/.well-known/webfinger?resource="
           f"{quote(f'acct:{username}@{domain}')}")
    check_scheme(url, settings)
    try:
        response = await peer_client(settings).get(url, headers={
            "accept": "application/jrd+json, application/json"})
    except httpx.HTTPError as error:
        raise FetchRefused(str(error) or type(error).__name__) from error
    if response.status_code != 200 or len(response.content) > MAX_JRD:
        return None
    try:
        document = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(document, dict):
        return None
    subject = document.get("subject")
    return Jrd(subject if isinstance(subject, str) else None, _self_link(document))


def _self_link(document: dict[str, Any]) -> str | None:
    links = document.get("links")
    for link in links if isinstance(links, list) else ():
        if (isinstance(link, dict) and link.get("rel") == "self"
                and is_activity_json(str(link.get("type", "")))):
            return parse.iri(link.get("href"), required=False)
    return None


async def webfinger(settings: Settings, handle: str) -> str | None:
    """The actor URI a handle names, as its server's WebFinger says."""
    found = await finger(settings, handle)
    return found.actor if found is not None else None


async def handle_domain(settings: Settings, username: str, uri: str) -> str:
    """The domain of the handle of the actor `uri` whose preferredUsername is `username`
    (see the module's docstring)."""
    host = domain_of(uri)
    try:
        first = await finger(settings, f"{username}@{host}")
        named = split_handle(first.subject) if first and first.subject else None
        if (named is None or named[1] in (host, settings.domain.lower())
                or named[0].lower() != username.lower()):
            return host
        second = await finger(settings, f"{named[0]}@{named[1]}")
    except FetchRefused:
        return host
    if second is None or second.actor != uri or second.subject is None:
        return host
    confirmed = split_handle(second.subject)
    return named[1] if confirmed is not None and confirmed[1] == named[1] else host
