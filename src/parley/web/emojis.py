"""Custom emoji in the web's HTML: another server's `:shortcode:`s in a post's (already
cleaned) content shown as the images stored here, replaced in text only, never inside a tag
(a template global: it needs the settings that say where files are served from)."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from parley.config import Settings
from parley.media.emoji import SHORTCODE
from parley.media.storage import storage_for

_TAGS = re.compile(r"(<[^>]*>)")


def with_emojis(markup: Markup, emojis: dict[str, str], settings: Settings) -> Markup:
    """`markup` with each known `:shortcode:` of its text an image (emojis: shortcode ->
    stored key)."""
    if not emojis:
        return markup
    storage = storage_for(settings)

    def image(match: re.Match[str]) -> str:
        key = emojis.get(match.group(1))
        if key is None:
            return match.group(0)
        code = escape(match.group(0))
        return (f'<img class="emoji" src="{escape(storage.url(key))}" alt="{code}" '
                f'title="{code}" width="20" height="20">')

    parts = _TAGS.split(str(markup))  # text at even places, tags at odd ones
    return Markup("".join(part if index % 2 else SHORTCODE.sub(image, part)
                          for index, part in enumerate(parts)))
