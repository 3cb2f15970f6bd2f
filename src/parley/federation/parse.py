"""Reading what other servers send, whatever compacted form of JSON-LD they use (one value or
an array, the public collection as `as:Public` or `Public`, objects embedded or named by id),
into plain values with bounded lengths and counts: an actor, a note, an activity."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from parley.federation.vocab import PUBLIC_FORMS, as_list, id_of
from parley.lib.html import sanitise

MAX_ID = 2048
MAX_NAME = 100
MAX_SUMMARY = 5_000
MAX_CONTENT = 100_000
MAX_TAGS = 100
MAX_ADDRESSES = 1_000
MAX_ATTACHMENTS = 16
MAX_FIELDS = 16
ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})
NOTE_TYPES = frozenset({"Note", "Article", "Question", "Page"})


class Unreadable(ValueError):
    """The document lacks what we need, or carries more than we take."""


def text(value: Any, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Unreadable("a text property is not text")
    return value[:limit]


def iri(value: Any, *, required: bool = True) -> str | None:
    found = id_of(value)
    if found is None or not found.startswith(("https://", "http://")) or len(found) > MAX_ID:
        if required:
            raise Unreadable("an id is missing or not an http(s) URL")
        return None
    return found


def iris(value: Any, limit: int = MAX_ADDRESSES) -> list[str]:
    values = as_list(value)
    if len(values) > limit:
        raise Unreadable("too many values")
    return [found for found in (iri(v, required=False) for v in values) if found]


def published(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _url_of(value: Any) -> str | None:
    """An `icon`/`image`/`url` value: a bare URL, a Link or Image object, or a list of them."""
    for item in as_list(value):
        if isinstance(item, str):
            return iri(item, required=False)
        if isinstance(item, dict):
            found = iri(item.get("url") or item.get("href"), required=False)
            if found:
                return found
    return None


@dataclass(frozen=True)
class ParsedActor:
    uri: str
    actor_type: str
    username: str
    display_name: str
    summary: str
    url: str
    inbox: str
    shared_inbox: str | None
    outbox: str | None
    followers: str | None
    following: str | None
    featured: str | None
    key_id: str
    public_key_pem: str
    locked: bool
    bot: bool
    discoverable: bool
    indexable: bool
    avatar_url: str | None
    header_url: str | None
    fields: list[dict[str, str]] = field(default_factory=list)
    created_at: datetime | None = None


def actor(document: dict[str, Any]) -> ParsedActor:
    """An actor document as Parley keeps it; Unreadable when it is none."""
    kind = document.get("type")
    if kind not in ACTOR_TYPES:
        raise Unreadable("not an actor")
    uri = iri(document.get("id"))
    assert uri is not None
    username = text(document.get("preferredUsername"), 64).strip()
    if not username:
        raise Unreadable("the actor has no preferredUsername")
    key = document.get("publicKey")
    key = key[0] if isinstance(key, list) and key else key
    if not isinstance(key, dict) or not isinstance(key.get("publicKeyPem"), str):
        raise Unreadable("the actor has no public key")
    if id_of(key.get("owner")) not in (None, uri):
        raise Unreadable("the actor's key belongs to someone else")
    endpoints = document.get("endpoints")
    shared = iri(endpoints.get("sharedInbox"), required=False) if isinstance(
        endpoints, dict) else None
    inbox = iri(document.get("inbox"))
    assert inbox is not None
    return ParsedActor(
        uri=uri, actor_type=str(kind), username=username,
        display_name=text(document.get("name"), MAX_NAME),
        summary=sanitise(text(document.get("summary"), MAX_SUMMARY)),
        url=_url_of(document.get("url")) or uri, inbox=inbox, shared_inbox=shared,
        outbox=iri(document.get("outbox"), required=False),
        followers=iri(document.get("followers"), required=False),
        following=iri(document.get("following"), required=False),
        featured=iri(document.get("featured"), required=False),
        key_id=iri(key.get("id")) or uri, public_key_pem=text(key["publicKeyPem"], 10_000),
        locked=document.get("manuallyApprovesFollowers") is True,
        bot=kind in ("Service", "Application"),
        discoverable=document.get("discoverable") is True,
        indexable=document.get("indexable") is True,
        avatar_url=_url_of(document.get("icon")), header_url=_url_of(document.get("image")),
        fields=_fields(document.get("attachment")), created_at=published(
            document.get("published")))


def _fields(value: Any) -> list[dict[str, str]]:
    found = []
    for item in as_list(value)[:MAX_FIELDS]:
        if isinstance(item, dict) and item.get("type") == "PropertyValue":
            found.append({"name": text(item.get("name"), 255),
                          "value": sanitise(text(item.get("value"), 2048))})
    return found


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


def note(document: dict[str, Any]) -> ParsedNote:
    """A Note (or an Article, Page or Question, read as a note) as Parley keeps a post."""
    if document.get("type") not in NOTE_TYPES:
        raise Unreadable("not a note")
    uri = iri(document.get("id"))
    author = iri(document.get("attributedTo"))
    assert uri is not None and author is not None
    content, language = _content(document)
    tags = as_list(document.get("tag"))
    if len(tags) > MAX_TAGS:
        raise Unreadable("too many tags")
    return ParsedNote(
        uri=uri, attributed_to=author, content=content,
        summary=text(document.get("summary"), MAX_SUMMARY),
        sensitive=document.get("sensitive") is True or bool(document.get("summary")),
        language=language, in_reply_to=iri(document.get("inReplyTo"), required=False),
        url=_url_of(document.get("url")), published=published(document.get("published")),
        updated=published(document.get("updated")),
        to=iris(document.get("to")), cc=iris(document.get("cc")),
        mentions=[ParsedMention(href, text(tag.get("name"), 320)) for tag in tags
                  if isinstance(tag, dict) and tag.get("type") == "Mention"
                  and (href := iri(tag.get("href"), required=False))],
        hashtags=[name for tag in tags if isinstance(tag, dict)
                  and tag.get("type") == "Hashtag"
                  and (name := text(tag.get("name"), 255).lstrip("#").strip())],
        attachments=_attachments(document.get("attachment")),
        quote=iri(document.get("quote") or document.get("quoteUrl")
                  or document.get("quoteUri") or document.get("_misskey_quote"),
                  required=False))


def _content(document: dict[str, Any]) -> tuple[str, str | None]:
    content = document.get("content")
    language = None
    by_language = document.get("contentMap")
    if isinstance(by_language, dict) and by_language:
        language, mapped = next(iter(by_language.items()))
        if not isinstance(content, str):
            content = mapped
    return sanitise(text(content, MAX_CONTENT)), (language if isinstance(language, str)
                                                  and len(language) <= 16 else None)


def _attachments(value: Any) -> list[ParsedAttachment]:
    found = []
    for item in as_list(value)[:MAX_ATTACHMENTS]:
        if not isinstance(item, dict):
            continue
        url = _url_of(item.get("url"))
        if url is None:
            continue
        focus = item.get("focalPoint")
        found.append(ParsedAttachment(
            url=url, media_type=text(item.get("mediaType"), 255),
            description=text(item.get("name"), 1500),
            blurhash=text(item.get("blurhash"), 255) or None,
            focus=(float(focus[0]), float(focus[1])) if isinstance(focus, list)
            and len(focus) == 2 and all(isinstance(f, int | float) for f in focus) else None))
    return found


def visibility(to: list[str], cc: list[str], followers: str | None) -> str:
    """The visibility an addressing means (Mastodon's reading of it)."""
    if any(address in PUBLIC_FORMS for address in to):
        return "public"
    if any(address in PUBLIC_FORMS for address in cc):
        return "unlisted"
    if followers is not None and followers in (*to, *cc):
        return "private"
    return "direct"


@dataclass(frozen=True)
class ParsedActivity:
    id: str
    type: str
    actor: str
    object: Any
    object_id: str | None
    to: list[str]
    cc: list[str]


def activity(document: dict[str, Any]) -> ParsedActivity:
    kind = document.get("type")
    if not isinstance(kind, str) or len(kind) > 64:
        raise Unreadable("the activity has no type")
    activity_id = iri(document.get("id"))
    actor_id = iri(document.get("actor"))
    assert activity_id is not None and actor_id is not None
    value = document.get("object")
    return ParsedActivity(id=activity_id, type=kind, actor=actor_id, object=value,
                          object_id=id_of(value), to=iris(document.get("to")),
                          cc=iris(document.get("cc")))
