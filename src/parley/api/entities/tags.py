"""Tag and FeaturedTag entities."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from parley.accounts.models import Account
from parley.config import Settings
from parley.lib.text import tag_url
from parley.lib.timefmt import iso_date
from parley.tags.featured import FeaturedTagView
from parley.tags.service import TagView


def tag_entity(view: TagView, settings: Settings, *, signed_in: bool) -> dict[str, Any]:
    """Mastodon's Tag; `following`/`featuring` only mean something to a signed-in viewer.
    A valid name nobody used yet has an empty id, as in Mastodon."""
    tag = view.tag
    entity: dict[str, Any] = {
        "id": str(tag.id) if tag.id else "",
        "name": tag.name,
        "url": tag_url(settings.base_url, tag.name),
        "history": [{"day": str(day.day), "uses": str(day.uses),
                     "accounts": str(day.accounts)} for day in view.history],
    }
    if signed_in:
        entity["following"] = view.following
        entity["featuring"] = view.featuring
    return entity


def featured_tag_entity(view: FeaturedTagView, account: Account, settings: Settings
                        ) -> dict[str, Any]:
    """Mastodon's FeaturedTag: the url lists the account's posts with the tag."""
    return {
        "id": str(view.featured.id),
        "name": view.tag.name,
        "url": f"{settings.base_url}/@{account.username}/tagged/{quote(view.tag.name, safe='')}",
        "statuses_count": str(view.posts_count),
        "last_status_at": iso_date(view.last_post_at),
    }
