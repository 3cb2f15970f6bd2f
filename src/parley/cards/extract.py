"""What a page says about itself, as a card: OpenGraph and Twitter card tags, the <title>, the
oEmbed discovery link, and an oEmbed answer. Pure functions of fetched text (no I/O here)."""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import nh3
import orjson
from selectolax.lexbor import LexborHTMLParser

from parley.lib.timefmt import as_utc

# Kept bounded whatever a page says (Mastodon cuts long titles and descriptions too).
MAX_TITLE = 255
MAX_TEXT = 1000
OEMBED_TYPES = ("application/json+oembed", "text/json+oembed")
# The only markup a card carries: a player's iframe, with these attributes (Mastodon's
# oEmbed sanitising); anything else from a provider (scripts, most "rich" embeds) is dropped.
_IFRAME_ATTRIBUTES = {"src", "width", "height", "allowfullscreen", "frameborder", "scrolling",
                      "allow", "title"}


@dataclass(frozen=True)
class CardData:
    """A card's fields as the page (or its oEmbed provider) gives them."""

    type: str = "link"
    title: str = ""
    description: str = ""
    author_name: str = ""
    author_url: str = ""
    provider_name: str = ""
    provider_url: str = ""
    html: str = ""
    width: int = 0
    height: int = 0
    image_url: str | None = None
    image_description: str = ""
    embed_url: str = ""
    language: str | None = None
    published_at: datetime | None = None

    @property
    def worth_showing(self) -> bool:
        return bool(self.title.strip() or self.html)


@dataclass(frozen=True)
class PageFacts:
    """A parsed page: its card (from its tags) and where its oEmbed answer is, if it says."""

    card: CardData
    oembed_url: str | None


def _text(value: Any, limit: int = MAX_TEXT) -> str:
    return " ".join(str(value or "").split())[:limit]


def _web_url(value: Any, base: str) -> str:
    """`value` resolved against `base` when it is an http(s) URL, else ""."""
    if not isinstance(value, str) or not value.strip():
        return ""
    url = urljoin(base, value.strip())
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.hostname else ""


def _number(value: Any) -> int:
    try:
        number = int(float(value))
    except (TypeError, ValueError):
        return 0
    return number if 0 <= number <= 100_000 else 0


def _date(value: str) -> datetime | None:
    try:
        return as_utc(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
    except ValueError:
        return None


def _language(value: str) -> str | None:
    """og:locale (en_US) or <html lang> (en-GB) as the language code (en)."""
    code = value.strip().replace("_", "-").split("-")[0].lower()
    return code if code.isalpha() and 2 <= len(code) <= 3 else None


def _meta(tree: LexborHTMLParser) -> dict[str, str]:
    """<meta property|name=... content=...>, the first of each name (lower-cased)."""
    found: dict[str, str] = {}
    for node in tree.css("meta"):
        attributes = node.attributes
        content = attributes.get("content")
        if content is None:
            continue
        for key in ("property", "name"):
            for name in (attributes.get(key) or "").lower().split():
                found.setdefault(name, content)
    return found


def _oembed_link(tree: LexborHTMLParser, base: str) -> str | None:
    for node in tree.css("link"):
        attributes = node.attributes
        rel = (attributes.get("rel") or "").lower().split()
        if "alternate" in rel and (attributes.get("type") or "").lower() in OEMBED_TYPES:
            return _web_url(attributes.get("href"), base) or None
    return None


def player_html(src: str, width: int, height: int) -> str:
    """The iframe of a twitter:player (built here, so nothing of the page's own markup)."""
    return sanitised_player(
        f'<iframe src="{html.escape(src)}" width="{width}" height="{height}" '
        'frameborder="0" allowfullscreen></iframe>')


def sanitised_player(markup: str) -> str:
    """Only an iframe with an https source survives; "" when nothing does."""
    cleaned = nh3.clean(markup, tags={"iframe"},
                        attributes={"iframe": _IFRAME_ATTRIBUTES},
                        url_schemes={"https"}, link_rel=None)
    return cleaned if "<iframe" in cleaned and 'src="https://' in cleaned else ""


def parse_page(page: str, url: str) -> PageFacts:
    """The card a page's tags describe (OpenGraph first, then Twitter card, then plain HTML),
    and its oEmbed discovery link."""
    tree = LexborHTMLParser(page)
    meta = _meta(tree)

    def first(*names: str) -> str:
        return next((meta[name] for name in names if meta.get(name, "").strip()), "")

    title_node = tree.css_first("title")
    html_node = tree.css_first("html")
    image = _web_url(first("og:image", "og:image:url", "og:image:secure_url",
                           "twitter:image", "twitter:image:src"), url)
    author = first("article:author", "author", "twitter:creator")
    is_url = author.startswith(("http://", "https://"))  # article:author may be a profile
    card = CardData(
        title=_text(first("og:title", "twitter:title")
                    or (title_node.text() if title_node is not None else ""), MAX_TITLE),
        description=_text(first("og:description", "twitter:description", "description")),
        provider_name=_text(first("og:site_name", "application-name"), MAX_TITLE),
        author_name=_text("" if is_url else author, MAX_TITLE),
        author_url=_web_url(author, url) if is_url else "",
        image_url=image or None,
        image_description=_text(first("og:image:alt", "twitter:image:alt")),
        width=_number(first("og:image:width")) if image else 0,
        height=_number(first("og:image:height")) if image else 0,
        language=_language(first("og:locale") or (
            (html_node.attributes.get("lang") or "") if html_node is not None else "")),
        published_at=_date(first("article:published_time")),
    )
    player = _web_url(first("twitter:player"), url)
    if player.startswith("https://"):
        width, height = _number(first("twitter:player:width")), _number(
            first("twitter:player:height"))
        markup = player_html(player, width, height)
        if markup:
            card = replace(card, type="video", html=markup, width=width, height=height)
    return PageFacts(card, _oembed_link(tree, url))


def parse_oembed(answer: str, endpoint: str, page: CardData) -> CardData | None:
    """The card an oEmbed answer describes, over what the page's own tags said; None when
    it is no use (not JSON, a "rich" embed, a photo without its URL, a player that does not
    survive sanitising): the page's tags are used instead."""
    try:
        data = orjson.loads(answer)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    kind = data.get("type")
    card = replace(
        page, title=_text(data.get("title"), MAX_TITLE) or page.title,
        author_name=_text(data.get("author_name"), MAX_TITLE),
        author_url=_web_url(data.get("author_url"), endpoint),
        provider_name=_text(data.get("provider_name"), MAX_TITLE) or page.provider_name,
        provider_url=_web_url(data.get("provider_url"), endpoint),
        image_url=_web_url(data.get("thumbnail_url"), endpoint) or page.image_url)
    if kind == "link":
        return replace(card, type="link", html="")
    if kind == "photo":
        photo = _web_url(data.get("url"), endpoint)
        if not photo:
            return None
        return replace(card, type="photo", html="", embed_url=photo, image_url=photo,
                       width=_number(data.get("width")), height=_number(data.get("height")))
    if kind == "video":
        markup = sanitised_player(str(data.get("html") or ""))
        if not markup:
            return None
        return replace(card, type="video", html=markup, width=_number(data.get("width")),
                       height=_number(data.get("height")))
    return None  # "rich" (most providers' rely on scripts) or unknown
