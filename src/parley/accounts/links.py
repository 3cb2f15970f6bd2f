"""Profile link verification (Mastodon's rel="me"): a profile field whose value is a link is
verified when the page it names links back to the profile with rel="me". Checked by a job
after the fields change, outside any transaction (it waits on other sites)."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from parley.accounts.models import Account
from parley.jobs.registry import Detached, DetachedContext, JobKind
from parley.lib.fetch import FetchRefused, fetch_html
from parley.lib.timefmt import iso, utcnow

log = logging.getLogger("parley.accounts")

LINK_VALUE = re.compile(r"^https?://[^\s<>\"']+$")


def is_link(value: str) -> bool:
    return bool(LINK_VALUE.match(value.strip()))


def needs_verification(fields: Iterable[dict[str, Any]]) -> bool:
    """Whether some field is a link not verified yet (Mastodon checks only those)."""
    return any(is_link(f.get("value", "")) and not f.get("verified_at") for f in fields)


def _normal(url: str) -> str:
    return url.strip().rstrip("/")


class _RelMeLinks(HTMLParser):
    """The targets of <a rel="me"> and <link rel="me"> on a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.targets: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("a", "link"):
            return
        values = dict(attrs)
        if "me" in (values.get("rel") or "").lower().split() and values.get("href"):
            self.targets.add(_normal(values["href"] or ""))


def links_back(html: str, profile_urls: Iterable[str]) -> bool:
    """Whether the page links to one of the profile's URLs with rel="me"."""
    parser = _RelMeLinks()
    parser.feed(html)
    parser.close()
    return bool(parser.targets & {_normal(url) for url in profile_urls})


async def _check(url: str, profile_urls: set[str], allow_private: bool) -> bool:
    try:
        return links_back(await fetch_html(url, allow_private=allow_private), profile_urls)
    except FetchRefused as error:
        log.info("profile link %s not verified: %s", url, error)
        return False


@dataclass(frozen=True)
class ProfileLinks:
    """The account whose profile links are to be checked."""

    account_id: int


async def verify_profile_links(ctx: DetachedContext, payload: ProfileLinks) -> None:
    """Fetch each unverified link of the account's fields; mark those linking back. A field
    edited meanwhile is left for the job its edit queued."""
    account_id = payload.account_id
    async with ctx.db.read() as session:
        account = await session.get(Account, account_id)
        if account is None or account.domain is not None:
            return
        links = sorted({f["value"].strip() for f in account.fields or []
                        if is_link(f.get("value", "")) and not f.get("verified_at")})
        profile_urls = {account.url, account.uri}
    # Side by side: each may wait out its whole timeout.
    checks = [_check(url, profile_urls, ctx.settings.fetch_private_addresses) for url in links]
    verified = dict(zip(links, await asyncio.gather(*checks), strict=True))
    if not any(verified.values()):
        return
    now = iso(utcnow())
    async with ctx.db.write() as session:
        account = await session.get(Account, account_id)
        if account is None:
            return
        account.fields = [
            {**f, "verified_at": now} if verified.get(f.get("value", "").strip()) else f
            for f in account.fields or []]


VERIFY_PROFILE_LINKS = JobKind("verify_profile_links", ProfileLinks,
                               Detached(verify_profile_links))
JOBS = (VERIFY_PROFILE_LINKS,)
