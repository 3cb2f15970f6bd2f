"""A card's image, stored by Parley rather than hot-linked from the page: fetched through the
address-checked fetcher (Mastodon's 8 MB and image types), then decoded, shrunk and stored by
the media pipeline (media/processing.py store_card_image). Whatever goes wrong, the card
simply has no image: an image never fails its card."""

from __future__ import annotations

import logging

from parley.cards.fetching import USER_AGENT
from parley.config import Settings
from parley.errors import Invalid
from parley.lib.fetch import FetchRefused, fetch_page
from parley.media.limits import CARD_IMAGE_MIME_TYPES, CARD_IMAGE_SIZE_LIMIT
from parley.media.processing import StoredImage, store_card_image

log = logging.getLogger("parley.cards")


async def stored_image(settings: Settings, card_id: int, url: str) -> StoredImage | None:
    """The image at `url`, stored for card `card_id`; None when it cannot be fetched or is
    no image the pipeline takes (too large, too many pixels, another type, broken)."""
    try:
        fetched = await fetch_page(url, allow_private=settings.fetch_private_addresses,
                                   accept=CARD_IMAGE_MIME_TYPES,
                                   max_bytes=CARD_IMAGE_SIZE_LIMIT, whole=True,
                                   user_agent=USER_AGENT)
        return await store_card_image(settings, card_id, fetched.content)
    except FetchRefused as refused:
        log.info("card image %s not fetched: %s", url, refused)
    except Invalid as invalid:
        log.info("card image %s not used: %s", url, invalid.message)
    return None
