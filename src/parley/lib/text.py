"""Post text: finding mentions, hashtags and links, counting length, rendering safe HTML."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from parley.lib.html import sanitise

# Mastodon counts every link as this many characters, whatever its real length.
URL_LENGTH = 23
# Links are shown shortened to this many characters after the scheme, like Mastodon does.
URL_DISPLAY_LENGTH = 30
MAX_TAG_LENGTH = 255
# An ISO 639 language code, with optional subtags (en, pt-BR, zh_Hant).
_LANGUAGE = re.compile(r"^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{1,8})*$")

_URL = r"(?P<url>https?://[^\s<>\"'\u200b]+)"
_MENTION = (
    r"(?<![\w/@])@(?P<mention>[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?"
    r"(?:@[\w.-]*\w(?::\d+)?)?)"
)
_HASHTAG = r"(?<![=/)\w&#])#(?P<tag>\w*[^\W\d_]\w*)"
# Links first so that a #fragment or an @ inside a link is part of the link.
TOKENS = re.compile(f"{_URL}|{_MENTION}|{_HASHTAG}", re.IGNORECASE)
_TRAILING = ".,:;!?'\""


@dataclass(frozen=True)
class ParsedText:
    """What a post's text refers to, each once, in order of first appearance.

    mentions are handles as written (`user` or `user@domain`); tags keep their spelling.
    """

    mentions: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MentionLink:
    """Where a resolved mention links to, and the name shown after the @."""

    url: str
    username: str


@dataclass(frozen=True)
class RenderedText:
    """A post's HTML and the handles and tags it contains."""

    html: str
    mentions: list[str]
    tags: list[str]


def _trim_url(url: str) -> str:
    """Drop trailing punctuation and an unbalanced closing bracket, as people write prose."""
    while url:
        last = url[-1]
        if last in _TRAILING or (last == ")" and url.count("(") < url.count(")")):
            url = url[:-1]
        else:
            break
    return url


def _tokens(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, kind, value) of every link, mention and hashtag in `text`."""
    found: list[tuple[int, int, str, str]] = []
    for match in TOKENS.finditer(text):
        if match.group("url"):
            url = _trim_url(match.group("url"))
            if len(url) > len("https://"):
                found.append((match.start(), match.start() + len(url), "url", url))
        elif match.group("mention"):
            found.append((match.start(), match.end(), "mention", match.group("mention")))
        elif match.group("tag") and len(match.group("tag")) <= MAX_TAG_LENGTH:
            found.append((match.start(), match.end(), "tag", match.group("tag")))
    return found


def _unique(values: list[str]) -> list[str]:
    seen: set[str] = set()
    kept = []
    for value in values:
        if value.lower() not in seen:
            seen.add(value.lower())
            kept.append(value)
    return kept


def parse(text: str) -> ParsedText:
    """The mentions, tags and links in `text`, each once (case-insensitively)."""
    tokens = _tokens(text)
    return ParsedText(
        mentions=_unique([value for _s, _e, kind, value in tokens if kind == "mention"]),
        tags=_unique([value for _s, _e, kind, value in tokens if kind == "tag"]),
        urls=list(dict.fromkeys(value for _s, _e, kind, value in tokens if kind == "url")),
    )


def text_length(text: str) -> int:
    """Length as Mastodon counts it: a link is 23 characters, `@user@domain` is `@user`."""
    length = len(text)
    for start, end, kind, value in _tokens(text):
        if kind == "url":
            length += URL_LENGTH - (end - start)
        elif kind == "mention" and "@" in value:
            length -= len(value) - value.index("@")
    return length


def _link_html(url: str) -> str:
    scheme, _, rest = url.partition("://")
    prefix = scheme + "://"
    if rest.startswith("www."):
        prefix, rest = prefix + "www.", rest[4:]
    shown, hidden = rest[:URL_DISPLAY_LENGTH], rest[URL_DISPLAY_LENGTH:]
    shown_class = ' class="ellipsis"' if hidden else ""
    display = (f'<span class="invisible">{html.escape(prefix)}</span>'
               f'<span{shown_class}>{html.escape(shown)}</span>'
               f'<span class="invisible">{html.escape(hidden)}</span>')
    return (f'<a href="{html.escape(url)}" target="_blank" rel="nofollow noopener noreferrer" '
            f'translate="no">{display}</a>')


def _mention_html(link: MentionLink) -> str:
    return (f'<span class="h-card" translate="no"><a href="{html.escape(link.url)}" '
            f'class="u-url mention">@<span>{html.escape(link.username)}</span></a></span>')


def tag_url(base_url: str, tag: str) -> str:
    """The local page of a hashtag."""
    return f"{base_url}/tags/{quote(tag.lower(), safe='')}"


def _tag_html(tag: str, base_url: str) -> str:
    return (f'<a href="{html.escape(tag_url(base_url, tag))}" '
            f'class="mention hashtag" rel="tag">#<span>{html.escape(tag)}</span></a>')


def _line_html(line: str, mentions: Mapping[str, MentionLink], base_url: str) -> str:
    parts: list[str] = []
    position = 0
    for start, end, kind, value in _tokens(line):
        parts.append(html.escape(line[position:start]))
        source = line[start:end]
        if kind == "url":
            parts.append(_link_html(value))
        elif kind == "tag":
            parts.append(_tag_html(value, base_url))
        elif value.lower() in mentions:
            parts.append(_mention_html(mentions[value.lower()]))
        else:  # nobody we know: stays plain text
            parts.append(html.escape(source))
        position = end
    parts.append(html.escape(line[position:]))
    return "".join(parts)


def render(text: str, *, base_url: str, mentions: Mapping[str, MentionLink]) -> RenderedText:
    """Safe HTML for `text`: paragraphs at blank lines, <br> at line breaks, linked mentions
    (only those in `mentions`, keyed by lower-cased handle), hashtags and links."""
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = [p.strip("\n") for p in re.split(r"\n\s*\n", normalised) if p.strip()]
    markup = "".join(
        "<p>" + "<br>".join(_line_html(line, mentions, base_url) for line in p.split("\n"))
        + "</p>"
        for p in paragraphs
    )
    parsed = parse(text)
    return RenderedText(html=sanitise(markup), mentions=parsed.mentions, tags=parsed.tags)


def is_language_code(code: str) -> bool:
    """Whether `code` is an ISO 639 language code (a post's language, an account's default)."""
    return _LANGUAGE.match(code) is not None
