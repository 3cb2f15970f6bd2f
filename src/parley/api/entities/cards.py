"""PreviewCard and Trends::Link entities (Mastodon 4.3+: `authors` besides the deprecated
author_name / author_url), from a card row or the ORM card alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from parley.cards.models import PreviewCard
from parley.media.storage import Storage
from parley.posts.card_rows import CardRow
from parley.store.rawsql import iso_of
from parley.tags.service import DayUse

# A card as the read model loads it (rows) or as the ORM does (trends): the same fields.
CardLike = CardRow | PreviewCard


def card_entity(card: CardLike, storage: Storage) -> dict[str, Any]:
    """A PreviewCard. Its image is the copy Parley stored (served by Parley or the storage's
    public URL), never the page's own: readers' clients fetch nothing from the linked site."""
    authors = ([{"name": card.author_name, "url": card.author_url, "account": None}]
               if card.author_name or card.author_url else [])
    return {
        "url": card.url,
        "title": card.title,
        "description": card.description,
        "language": card.language,
        "type": card.type,
        "author_name": card.author_name,
        "author_url": card.author_url,
        "authors": authors,
        "provider_name": card.provider_name,
        "provider_url": card.provider_url,
        "html": card.html,
        "width": card.width,
        "height": card.height,
        "image": storage.url(card.image_key) if card.image_key else None,
        "image_description": card.image_description,
        "embed_url": card.embed_url,
        "blurhash": card.blurhash,
        "published_at": iso_of(card.published_at),
    }


def trends_link_entity(card: CardLike, history: Sequence[DayUse], storage: Storage
                       ) -> dict[str, Any]:
    """A Trends::Link: the card and its daily uses, newest day first."""
    return {**card_entity(card, storage),
            "history": [{"day": str(day.day), "uses": str(day.uses),
                         "accounts": str(day.accounts)} for day in history]}
