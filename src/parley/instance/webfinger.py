"""How other servers and apps find this server and its accounts: WebFinger (RFC 7033) for
local accounts and host-meta (RFC 6415) pointing at it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import quoteattr

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.config import Settings

PROFILE_PAGE = "http://webfinger.net/rel/profile-page"
XRD_NAMESPACE = "http://docs.oasis-open.org/ns/xri/xrd-1.0"


def local_username(resource: str, settings: Settings) -> str | None:
    """The local username a resource names — `acct:user@host`, `user@host`, or the profile
    page or id URL (`/@user`, `/users/user`) — or None when it names nothing here."""
    resource = resource.strip()
    if resource.startswith(("https://", "http://")):
        parts = urlsplit(resource)
        if parts.netloc.lower() != settings.domain.lower():
            return None
        path = parts.path.rstrip("/")
        for prefix in ("/@", "/users/"):
            name = path[len(prefix):] if path.startswith(prefix) else ""
            if name and "/" not in name:
                return name
        return None
    handle = resource.removeprefix("acct:").lstrip("@")
    username, at, domain = handle.rpartition("@")
    if not at:
        return None  # a bare name is no WebFinger resource
    return username if domain.lower() == settings.domain.lower() and username else None


async def find_local(session: AsyncSession, settings: Settings, resource: str
                     ) -> Account | None:
    username = local_username(resource, settings)
    if username is None:
        return None
    account: Account | None = await session.scalar(select(Account).where(
        Account.acct_key == username.lower(), Account.domain.is_(None)))
    return account


def account_links(account: Account) -> list[dict[str, str]]:
    """The profile page, and the actor document (its type exactly as Mastodon looks for it:
    some servers match the string)."""
    return [{"rel": PROFILE_PAGE, "type": "text/html", "href": account.url},
            {"rel": "self", "type": "application/activity+json", "href": account.uri}]


def account_jrd(account: Account, settings: Settings) -> dict[str, Any]:
    """The account's JSON Resource Descriptor."""
    return {"subject": f"acct:{account.username}@{settings.domain}",
            "aliases": [account.url], "links": account_links(account)}


def lrdd_template(settings: Settings) -> str:
    return f"{settings.base_url}/.well-known/webfinger?resource={{uri}}"


def host_meta_xml(settings: Settings) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<XRD xmlns="{XRD_NAMESPACE}">\n'
            f'  <Link rel="lrdd" template={quoteattr(lrdd_template(settings))}/>\n'
            '</XRD>\n')


def host_meta_json(settings: Settings) -> dict[str, Any]:
    return {"links": [{"rel": "lrdd", "template": lrdd_template(settings)}]}
