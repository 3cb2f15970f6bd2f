"""Custom emoji as the posts read model loads them: which `:shortcode:`s a page's remote
posts and accounts write, and the one statement that reads those known here (the media
domain keeps them: media/emoji.py; posts only read them here, by table name)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from parley.media.emoji import EmojiRow, shortcodes_in
from parley.store.rawsql import Reader, Sql, json_of

EMOJIS_OF = Sql("SELECT shortcode, domain, image_key, image_remote_url FROM custom_emojis "
                "WHERE domain IN_TEXTS(:domains) AND shortcode IN_TEXTS(:codes)")
Wanted = set[tuple[str, str]]  # (domain, shortcode)


def profile_shortcodes(account: Any) -> set[str]:
    """The `:shortcode:`s of an account's name, note and fields (an ORM or raw row)."""
    fields = json_of(account.fields) or []
    return shortcodes_in(account.display_name, account.note,
                         *(str(f.get("name", "")) for f in fields),
                         *(str(f.get("value", "")) for f in fields))


def written(posts: Iterable[Any], accounts: Iterable[Any]) -> Wanted:
    """The emoji remote posts (content, content warning) and accounts write."""
    wanted = {(post.domain, code) for post in posts if post.domain is not None
              for code in shortcodes_in(post.content, post.spoiler_text)}
    wanted |= {(account.domain, code) for account in accounts if account.domain is not None
               for code in profile_shortcodes(account)}
    return wanted


async def emojis_of(reader: Reader, wanted: Wanted) -> dict[tuple[str, str], EmojiRow]:
    """Those of the wanted emoji known here, in one statement."""
    if not wanted:
        return {}
    found: dict[tuple[str, str], EmojiRow] = {}
    for row in await reader.fetch(EMOJIS_OF, {
            "domains": sorted({domain for domain, _ in wanted}),
            "codes": sorted({code for _, code in wanted})}):
        emoji = EmojiRow(*row)
        if (emoji.domain, emoji.shortcode) in wanted:
            found[(emoji.domain, emoji.shortcode)] = emoji
    return found
