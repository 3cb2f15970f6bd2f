"""Profile link verification's parts: which pages link back with rel="me", and which URLs
are never fetched."""

from __future__ import annotations

import asyncio

import pytest

from parley.accounts.links import is_link, links_back, needs_verification
from parley.lib.fetch import FetchRefused, fetch_html

PROFILE = {"https://parley.test/@ana", "https://parley.test/users/ana"}


@pytest.mark.parametrize(("page", "verified"), [
    ('<a rel="me" href="https://parley.test/@ana">me</a>', True),
    ('<link rel="me authn" href="https://parley.test/users/ana/">', True),
    ('<a rel="ME nofollow" href="https://parley.test/@ana/">', True),
    ('<a href="https://parley.test/@ana">no rel</a>', False),
    ('<a rel="me" href="https://parley.test/@bob">someone else</a>', False),
    ('<a rel="me" href="https://elsewhere.test/@ana">another server</a>', False),
    ("<p>nothing</p>", False),
])
def test_a_page_links_back_only_with_rel_me_to_this_profile(page: str, verified: bool) -> None:
    assert links_back(f"<html><body>{page}</body></html>", PROFILE) is verified


def test_only_unverified_links_need_checking() -> None:
    assert is_link("https://example.com/me") and not is_link("my site: example.com")
    assert needs_verification([{"name": "Site", "value": "https://example.com"}])
    assert not needs_verification([{"name": "Site", "value": "https://example.com",
                                    "verified_at": "2026-11-22T00:00:00.000Z"},
                                   {"name": "Pets", "value": "two cats"}])


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/", "http://localhost:9/",
                                 "http://10.0.0.1/", "http://[::1]:9/", "ftp://example.com/",
                                 "file:///etc/passwd"])
def test_own_network_and_other_schemes_are_never_fetched(url: str) -> None:
    with pytest.raises(FetchRefused):
        asyncio.run(fetch_html(url))
