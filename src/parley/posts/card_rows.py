"""Preview cards as the posts read model loads them (posts.card_id -> preview_cards): the
columns a card shows and the one statement that reads a page's cards. The cards domain
(parley/cards) writes them; posts only read them here, by table name."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from parley.store.rawsql import Sql

CARDS_BY_IDS = Sql(
    "SELECT id, url, type, title, description, author_name, author_url, provider_name, "
    "provider_url, html, width, height, image_key, image_description, blurhash, embed_url, "
    "language, published_at FROM preview_cards WHERE id IN_IDS(:ids)")


class CardRow(NamedTuple):
    """A preview card as CARDS_BY_IDS reads it (duck-typed like the ORM PreviewCard)."""

    id: int
    url: str
    type: str
    title: str
    description: str
    author_name: str
    author_url: str
    provider_name: str
    provider_url: str
    html: str
    width: int
    height: int
    image_key: str | None  # the stored image (media storage)
    image_description: str
    blurhash: str | None
    embed_url: str
    language: str | None
    published_at: datetime | str | None
