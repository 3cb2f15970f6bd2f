"""Reading a Note (or an Article, Page or Question, read as one) as the servers of the fediverse
write it into the values of a post: its text, content warning and language, its addressing,
the post it answers or quotes, its mentions, hashtags, custom emojis, attachments and poll."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from parley.federation.parse_values import (
    HTML,
    ParsedEmoji,
    Unreadable,
    by_language,
    count,
    emojis,
    iri,
    iris,
    link_of,
    published,
    text,
    url_of,
)
from parley.federation.vocab import ACTIVITY_JSON, PUBLIC, as_list
from parley.lib.html import plain_to_html, sanitise

MAX_NAME = 500
MAX_SUMMARY = 5_000
MAX_CONTENT = 100_000
MAX_TAGS = 100
MAX_ATTACHMENTS = 16
MAX_POLL_OPTIONS = 20
MAX_OPTION = 200
NOTE_TYPES = frozenset({"Note", "Article", "Question", "Page"})
# The properties a quote's target is written in, the FEP-044f one first, then those of
# Fedibird/Akkoma, Misskey and older software (FEP-044f's compatibility list).
QUOTE_PROPERTIES = ("quote", "quoteUri", "_misskey_quote", "quoteUrl", "quoteURL")
QUOTE_RELS = frozenset({"https://misskey-hub.net/ns#_misskey_quote",
                        "https://misskey-hub.net/ns/#_misskey_quote"})


@dataclass(frozen=True)
class ParsedMention:
    href: str
    name: str


@dataclass(frozen=True)
class ParsedAttachment:
    url: str
    media_type: str
    description: str
    blurhash: str | None
    focus: tuple[float, float] | None
    sensitive: bool = False


@dataclass(frozen=True)
class ParsedPollOption:
    name: str
    votes: int


@dataclass(frozen=True)
class ParsedPoll:
    options: list[ParsedPollOption]
    multiple: bool
    expires_at: datetime | None  # None: the poll has no end
    closed: bool
    voters_count: int | None  # known only for Mastodon-like servers


@dataclass(frozen=True)
class ParsedNote:
    uri: str
    attributed_to: str
    content: str
    summary: str
    sensitive: bool
    language: str | None
    in_reply_to: str | None
    url: str | None
    published: datetime | None
    updated: datetime | None
    to: list[str]
    cc: list[str]
    mentions: list[ParsedMention]
    hashtags: list[str]
    attachments: list[ParsedAttachment]
    quote: str | None
    note_type: str = "Note"
    name: str = ""
    emojis: list[ParsedEmoji] = field(default_factory=list)
    poll: ParsedPoll | None = None
    # FEP-044f: the stamp that shows the quote accepted; whether the quote was named only in
    # the older properties (software that knows no consent); who may quote this note
    # (None: it does not say).
    quote_authorization: str | None = None
    quote_legacy: bool = False
    quote_policy: str | None = None

    @property
    def is_vote(self) -> bool:
        """Whether this looks like a poll vote, as Mastodon and GoToSocial send them: a Note
        answering a post with the option chosen as its name and no content (that the post
        answered is a poll is the handler's to check); a vote is never kept as a post."""
        return (self.note_type == "Note" and bool(self.name) and not self.content
                and self.in_reply_to is not None)


def note(document: dict[str, Any]) -> ParsedNote:
    """A Note (or an Article, Page or Question, read as a note) as Parley keeps a post."""
    kind = document.get("type")
    if kind not in NOTE_TYPES:
        raise Unreadable("not a note")
    uri = iri(document.get("id"))
    assert uri is not None
    tags = as_list(document.get("tag"))
    if len(tags) > MAX_TAGS:
        raise Unreadable("too many tags")
    content, language = _content(document)
    summary, _ = by_language(document.get("summaryMap"), document.get("summary"),
                             MAX_SUMMARY)
    summary = summary.strip()
    attachments = _attachments(document.get("attachment"))
    author = _author(document.get("attributedTo"))
    return ParsedNote(
        uri=uri, attributed_to=author, content=content,
        summary=summary, sensitive=document.get("sensitive") is True or bool(summary)
        or any(a.sensitive for a in attachments),
        language=language, in_reply_to=iri(document.get("inReplyTo"), required=False),
        url=url_of(document.get("url"), prefer=HTML),
        published=published(document.get("published")),
        updated=published(document.get("updated")),
        to=iris(document.get("to")), cc=iris(document.get("cc")),
        mentions=_mentions(tags), hashtags=_hashtags(tags), attachments=attachments,
        quote=_quote(document, tags), note_type=str(kind),
        name=text(document.get("name"), MAX_NAME).strip(), emojis=emojis(tags),
        poll=_poll(document) if kind == "Question" else None,
        quote_authorization=iri(document.get("quoteAuthorization"), required=False),
        quote_legacy=iri(document.get("quote"), required=False) is None,
        quote_policy=quote_policy(document.get("interactionPolicy"), author))


def _author(value: Any) -> str:
    """`attributedTo`: an id, an embedded actor, or a list of them (PeerTube names the
    Person and the channel Group: the first Person is the author)."""
    values = as_list(value)[:8]
    people = [v for v in values if isinstance(v, dict) and v.get("type") == "Person"]
    for candidate in (*people, *values):
        if found := iri(candidate, required=False):
            return found
    raise Unreadable("the note has no author")


def _content(document: dict[str, Any]) -> tuple[str, str | None]:
    """The HTML of a note and its language; with neither content nor contentMap, the name as
    plain text (Mastodon's reading of an Article or Page without content), unless the note
    is a poll vote (whose name is the option chosen)."""
    content, language = by_language(document.get("contentMap"), document.get("content"),
                                    MAX_CONTENT)
    if content:
        return sanitise(content), language
    name = text(document.get("name"), MAX_NAME).strip()
    vote = document.get("type") == "Note" and document.get("inReplyTo") is not None
    return (plain_to_html(name) if name and not vote else ""), language


def _mentions(tags: list[Any]) -> list[ParsedMention]:
    found: dict[str, ParsedMention] = {}
    for tag in tags:
        if (isinstance(tag, dict) and tag.get("type") == "Mention"
                and (href := iri(tag.get("href"), required=False))):
            found.setdefault(href, ParsedMention(href, text(tag.get("name"), 320)))
    return list(found.values())


def _hashtags(tags: list[Any]) -> list[str]:
    found: dict[str, str] = {}
    for tag in tags:
        if (isinstance(tag, dict) and tag.get("type") == "Hashtag"
                and (name := text(tag.get("name"), 255).strip().lstrip("#").strip())):
            found.setdefault(name.lower(), name)
    return list(found.values())


def _quote(document: dict[str, Any], tags: list[Any]) -> str | None:
    """The post a note quotes: the first quote property that names one, else a FEP-e232
    Link tag with Misskey's quote rel."""
    for name in QUOTE_PROPERTIES:
        if found := iri(document.get(name), required=False):
            return found
    for tag in tags:
        if (isinstance(tag, dict) and tag.get("type") == "Link"
                and any(rel in QUOTE_RELS for rel in as_list(tag.get("rel")))
                and str(tag.get("mediaType", ACTIVITY_JSON)).startswith(
                    (ACTIVITY_JSON, "application/ld+json"))
                and (found := iri(tag.get("href"), required=False))):
            return found
    return None


def _attachments(value: Any) -> list[ParsedAttachment]:
    found = []
    for item in as_list(value)[:MAX_ATTACHMENTS * 2]:
        if not isinstance(item, dict):
            continue
        # A media file, not the page that shows it (PeerTube lists both).
        link = link_of(item.get("url"), avoid=HTML)
        if link is None:
            continue
        found.append(ParsedAttachment(
            url=link[0], media_type=text(item.get("mediaType"), 255) or link[1][:255],
            description=text(item.get("name"), 1500).strip(),
            blurhash=text(item.get("blurhash"), 255) or None,
            focus=_focus(item.get("focalPoint")), sensitive=item.get("sensitive") is True))
    return found[:MAX_ATTACHMENTS]


def _focus(value: Any) -> tuple[float, float] | None:
    """A focal point: two numbers in [-1, 1] (x from the left edge, y from the bottom)."""
    if not isinstance(value, list) or len(value) != 2:
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and -1 <= v <= 1
               for v in value):
        return None
    return float(value[0]), float(value[1])


def _poll(document: dict[str, Any]) -> ParsedPoll | None:
    """A Question's options (oneOf: one choice, anyOf: several), each with its votes
    (`replies.totalItems`, or Misskey's `_misskey_votes`), its end and its voters."""
    multiple = bool(as_list(document.get("anyOf")))
    choices = as_list(document.get("anyOf") if multiple else document.get("oneOf"))
    if len(choices) > MAX_POLL_OPTIONS:
        raise Unreadable("too many poll options")
    options = []
    for choice in choices:
        if not isinstance(choice, dict):
            continue
        name = text(choice.get("name"), MAX_OPTION).strip()
        replies = choice.get("replies")
        votes = count(replies.get("totalItems")) if isinstance(replies, dict) else None
        if votes is None:
            votes = count(choice.get("_misskey_votes"))
        if name:
            options.append(ParsedPollOption(name, votes or 0))
    if not options:
        return None
    closed = document.get("closed")
    ends = published(document.get("endTime")) or published(closed)
    return ParsedPoll(options=options, multiple=multiple, expires_at=ends,
                      closed=closed is not None and closed is not False,
                      voters_count=count(document.get("votersCount")))



def quote_policy(value: Any, author: str) -> str | None:
    """Who may quote a note, as Parley's policies say it, from `interactionPolicy.canQuote`
    (Mastodon's reading: anyone, followers, by hand, else nobody); None when it says
    nothing."""
    policy = value.get("canQuote") if isinstance(value, dict) else None
    if not isinstance(policy, dict):
        return None
    automatic, manual = (set(iris(as_list(policy.get(name))[:MAX_TAGS]))
                         for name in ("automaticApproval", "manualApproval"))
    if PUBLIC in automatic:
        return "public"
    if any(uri.endswith("/followers") for uri in automatic):
        return "followers"
    return "manual" if PUBLIC in manual or any(
        uri.endswith("/followers") for uri in manual) else "nobody"
