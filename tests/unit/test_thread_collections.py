"""Reading the collections of a thread as servers write them (federation/threads_in.py
listed_ids): Mastodon's and GoToSocial's Collection with an embedded first CollectionPage
and a `next` by URL, Parley's OrderedCollection, items by id or embedded, and a listing that
never ends read only so far."""

from __future__ import annotations

import asyncio
import math
from typing import Any, cast

from parley.federation.threads_in import MAX_PAGES, Crawl, listed_ids

BASE = "https://mastodon.example/users/alice/statuses/1"


class Recorded(Crawl):
    """A crawl whose documents are recorded ones, by URL."""

    documents: dict[str, dict[str, Any]]

    async def fetch(self, url: str) -> dict[str, Any] | None:
        self.fetches += 1
        return self.documents.get(url)


def crawl(documents: dict[str, dict[str, Any]]) -> Recorded:
    found = Recorded(db=cast(Any, None), settings=cast(Any, None), signer=cast(Any, None),
                     refresh_id="r", deadline=math.inf)
    found.documents = documents
    return found


def ids(collection: Any, documents: dict[str, dict[str, Any]]) -> list[str]:
    async def read() -> list[str]:
        return [uri async for uri in listed_ids(crawl(documents), collection)]
    return asyncio.run(read())


def test_mastodon_replies() -> None:
    """The self-replies embedded in the first page, the others' on the next page."""
    replies = {
        "id": f"{BASE}/replies", "type": "Collection",
        "first": {"type": "CollectionPage", "partOf": f"{BASE}/replies",
                  "next": f"{BASE}/replies?only_other_accounts=true&page=true",
                  "items": [{"id": f"{BASE}/2", "type": "Note", "inReplyTo": BASE}]}}
    others = {"id": f"{BASE}/replies?only_other_accounts=true&page=true",
              "type": "CollectionPage", "items": ["https://gts.example/users/bea/statuses/3",
                                                   {"bad": "no id"}, "not a url"]}
    assert ids(replies, {others["id"]: others}) == [
        f"{BASE}/2", "https://gts.example/users/bea/statuses/3"]


def test_an_ordered_collection_by_url_and_its_pages() -> None:
    url = "https://parley.example/users/ann/statuses/1/context"
    documents = {
        url: {"id": url, "type": "OrderedCollection", "totalItems": 3,
              "first": f"{url}?page=true"},
        f"{url}?page=true": {"id": f"{url}?page=true", "type": "OrderedCollectionPage",
                             "orderedItems": ["https://a.example/1", "https://a.example/2"],
                             "next": f"{url}?page=true&after=2"},
        f"{url}?page=true&after=2": {"id": f"{url}?page=true&after=2",
                                     "type": "OrderedCollectionPage",
                                     "orderedItems": ["https://b.example/3"]},
    }
    assert ids(url, documents) == ["https://a.example/1", "https://a.example/2",
                                   "https://b.example/3"]


def test_not_a_collection_lists_nothing() -> None:
    assert ids({"id": BASE, "type": "Note", "items": ["https://a.example/1"]}, {}) == []
    assert ids("https://a.example/missing", {}) == []
    assert ids(None, {}) == []


def test_an_endless_listing_is_read_only_so_far() -> None:
    url = "https://loop.example/replies?page=true"
    page = {"id": url, "type": "CollectionPage", "items": ["https://loop.example/1"],
            "next": url}
    assert len(ids(url, {url: page})) == MAX_PAGES
