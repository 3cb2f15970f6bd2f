"""Reading single values of compacted JSON-LD as peers write them (one value or an array, an
object or its id, a URL or a Link, a map by language), each bounded: the helpers the actor and
note readers share. Written by hand rather than with a JSON-LD processor (pyld): expanding
each delivery would fetch or pin every context peers declare, and what Parley reads is the
short names every server writes, in the few shapes listed here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

from parley.federation.vocab import PUBLIC, PUBLIC_FORMS, as_list, id_of

MAX_ID = 2048
MAX_ADDRESSES = 1_000
MAX_LINKS = 16  # the Links of one `url` looked through
MAX_LANGUAGES = 64  # the entries of one contentMap looked through
MAX_SHORTCODE = 100
HTML = "text/html"


class Unreadable(ValueError):
    """The document lacks what we need, or carries more than we take."""


def text(value: Any, limit: int) -> str:
    """A text property, cut to `limit` characters; Unreadable when it is not text."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Unreadable("a text property is not text")
    return value[:limit]


def iri(value: Any, *, required: bool = True) -> str | None:
    """An http(s) id, bare or an embedded object's, kept exactly as written (a trailing `/`
    or an `@` in the path is part of it)."""
    found = id_of(value)
    if found is None or not found.startswith(("https://", "http://")) or len(found) > MAX_ID:
        if required:
            raise Unreadable("an id is missing or not an http(s) URL")
        return None
    return found


def iris(value: Any, limit: int = MAX_ADDRESSES) -> list[str]:
    """An addressing property (to, cc): its http(s) ids, and the public collection however it
    is written (its IRI, `as:Public` or `Public`), as its IRI."""
    values = as_list(value)
    if len(values) > limit:
        raise Unreadable("too many values")
    found = []
    for item in values:
        if id_of(item) in PUBLIC_FORMS:
            found.append(PUBLIC)
        elif address := iri(item, required=False):
            found.append(address)
    return found


def published(value: Any) -> datetime | None:
    """An xsd:dateTime (with `Z` or an offset; one without a zone is taken as UTC)."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        found = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)


def count(value: Any) -> int | None:
    """A non-negative integer (a vote or voter count); None when it is none."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def url_of(value: Any, *, prefer: str | None = None, avoid: str | None = None) -> str | None:
    """A `url`/`icon`/`image`/`href` value: a bare URL, a Link or Image object (whose own `url`
    may again be a list of Links), or a list of them. Among several, the first whose
    mediaType starts with `prefer` wins, else the first not of `avoid`, else the first."""
    found = link_of(value, prefer=prefer, avoid=avoid)
    return found[0] if found else None


def link_of(value: Any, *, prefer: str | None = None, avoid: str | None = None
            ) -> tuple[str, str] | None:
    """What url_of chooses, with the mediaType its Link gives ("" when none does)."""
    candidates: list[tuple[str, str]] = []
    _collect(value, candidates, depth=0)
    for url, media_type in candidates:
        if prefer is not None and media_type.startswith(prefer):
            return url, media_type
    for url, media_type in candidates:
        if avoid is None or not media_type.startswith(avoid):
            return url, media_type
    return candidates[0] if candidates else None


def _collect(value: Any, into: list[tuple[str, str]], depth: int) -> None:
    for item in as_list(value)[:MAX_LINKS]:
        if isinstance(item, str):
            if found := iri(item, required=False):
                into.append((found, ""))
        elif isinstance(item, dict):
            media_type = item.get("mediaType")
            media_type = media_type.lower() if isinstance(media_type, str) else ""
            inner = item.get("href") or item.get("url")
            if isinstance(inner, str):
                if found := iri(inner, required=False):
                    into.append((found, media_type))
            elif depth < 2:
                _collect(inner, into, depth + 1)


def by_language(value: Any, plain: Any, limit: int) -> tuple[str, str | None]:
    """The text and language of a natural-language property: `plain` (content, summary, name)
    and its map by language (contentMap...). The language is the entry whose text is `plain`
    (GoToSocial's reading), else the map's only entry; with `plain` empty or absent, the
    map's first entry gives both."""
    entries = [(key, found) for key, found in list(value.items())[:MAX_LANGUAGES]
               if isinstance(key, str) and 0 < len(key) <= 16 and isinstance(found, str)
               ] if isinstance(value, dict) else []
    given = text(plain, limit)
    if not given:
        return (entries[0][1][:limit], entries[0][0]) if entries else ("", None)
    matching = [key for key, found in entries if found[:limit] == given]
    if matching:
        return given, matching[0]
    return given, entries[0][0] if len(entries) == 1 else None


class ParsedEmoji(NamedTuple):
    """A custom emoji a text uses: its shortcode (without colons) and its image."""

    shortcode: str
    url: str


def emojis(tags: list[Any]) -> list[ParsedEmoji]:
    """The Emoji tags of a note or an actor (Pleroma writes the shortcode without colons)."""
    found: dict[str, ParsedEmoji] = {}
    for tag in tags:
        if not isinstance(tag, dict) or tag.get("type") != "Emoji":
            continue
        shortcode = text(tag.get("name"), MAX_SHORTCODE + 2).strip().strip(":")
        url = url_of(tag.get("icon"))
        if (shortcode and len(shortcode) <= MAX_SHORTCODE and url
                and all(c.isascii() and (c.isalnum() or c in "_-") for c in shortcode)):
            found.setdefault(shortcode, ParsedEmoji(shortcode, url))
    return list(found.values())
