"""Fetching a link's card: its page through the address-checked fetcher (lib/fetch.py: time,
size and redirect limits, no private addresses), then its oEmbed answer when the page names
one. Refused fetches and pages with nothing to show raise FetchRefused."""

from __future__ import annotations

import logging

from parley.cards.extract import CardData, parse_oembed, parse_page
from parley.lib.fetch import FetchRefused, fetch_page

log = logging.getLogger("parley.cards")

USER_AGENT = "Parley (link preview) Bot"
# A page larger than this is not read at all (Mastodon's limit too); oEmbed answers are small.
MAX_PAGE_BYTES = 1_000_000
MAX_OEMBED_BYTES = 100_000


async def _oembed(url: str, page: CardData, allow_private: bool) -> CardData | None:
    try:
        answer = await fetch_page(url, allow_private=allow_private, accept=("json",),
                                  max_bytes=MAX_OEMBED_BYTES, whole=True,
                                  user_agent=USER_AGENT)
    except FetchRefused as error:
        log.info("oEmbed %s not used: %s", url, error)
        return None
    return parse_oembed(answer.text, answer.url, page)


async def describe_link(url: str, *, allow_private: bool) -> CardData:
    """The card of the page at `url` (oEmbed first, as Mastodon does, then the page's own
    OpenGraph / Twitter card tags); FetchRefused when there is none."""
    page = await fetch_page(url, allow_private=allow_private, accept=("text/html",),
                            max_bytes=MAX_PAGE_BYTES, whole=True, user_agent=USER_AGENT)
    facts = parse_page(page.text, page.url)
    card = facts.card
    if facts.oembed_url is not None:
        card = await _oembed(facts.oembed_url, card, allow_private) or card
    if not card.worth_showing:
        raise FetchRefused("the page has no title")
    return card
