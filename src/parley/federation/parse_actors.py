"""Reading an actor document (Mastodon's, GoToSocial's, Misskey's, Pleroma's...) into the
values Parley keeps of a remote account: its inboxes and collections, its key, its profile."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from parley.federation.parse_values import (
    HTML,
    ParsedEmoji,
    Unreadable,
    emojis,
    iri,
    iris,
    published,
    text,
    url_of,
)
from parley.federation.vocab import as_list, id_of
from parley.lib.html import sanitise

MAX_NAME = 100
MAX_SUMMARY = 5_000
MAX_FIELDS = 16
MAX_ACTOR_TAGS = 100
MAX_ALIASES = 20  # the alsoKnownAs ids read
ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})
BOT_TYPES = frozenset({"Service", "Application"})


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
    emojis: list[ParsedEmoji] = field(default_factory=list)
    also_known_as: list[str] = field(default_factory=list)  # its aliases


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
    key_id, pem = _key(document.get("publicKey"), uri)
    endpoints = document.get("endpoints")
    shared = iri(endpoints.get("sharedInbox"), required=False) if isinstance(
        endpoints, dict) else None
    inbox = iri(document.get("inbox"))
    assert inbox is not None
    tags = as_list(document.get("tag"))
    if len(tags) > MAX_ACTOR_TAGS:
        raise Unreadable("too many tags")
    return ParsedActor(
        uri=uri, actor_type=str(kind), username=username,
        display_name=text(document.get("name"), MAX_NAME).strip(),
        summary=sanitise(text(document.get("summary"), MAX_SUMMARY)),
        url=url_of(document.get("url"), prefer=HTML) or uri, inbox=inbox,
        shared_inbox=shared, outbox=iri(document.get("outbox"), required=False),
        followers=iri(document.get("followers"), required=False),
        following=iri(document.get("following"), required=False),
        featured=iri(document.get("featured"), required=False),
        key_id=key_id, public_key_pem=pem,
        locked=document.get("manuallyApprovesFollowers") is True,
        bot=kind in BOT_TYPES,
        discoverable=document.get("discoverable") is True,
        indexable=document.get("indexable") is True,
        avatar_url=url_of(document.get("icon")), header_url=url_of(document.get("image")),
        fields=_fields(document.get("attachment")),
        created_at=published(document.get("published")), emojis=emojis(tags),
        also_known_as=iris(as_list(document.get("alsoKnownAs"))[:MAX_ALIASES]))


def _key(value: Any, uri: str) -> tuple[str, str]:
    """The actor's key id and PEM: the first key (of one or a list) that is the actor's own.
    Mastodon's key id is the actor's id with `#main-key`, GoToSocial's a URL of its own."""
    for key in as_list(value)[:4]:
        if not isinstance(key, dict) or not isinstance(key.get("publicKeyPem"), str):
            continue
        if id_of(key.get("owner")) not in (None, uri):
            raise Unreadable("the actor's key belongs to someone else")
        return iri(key.get("id")) or uri, text(key["publicKeyPem"], 10_000)
    raise Unreadable("the actor has no public key")


def _fields(value: Any) -> list[dict[str, str]]:
    """Profile fields: schema.org PropertyValues (the name plain text, the value HTML)."""
    found = []
    for item in as_list(value)[:MAX_FIELDS * 2]:
        if isinstance(item, dict) and item.get("type") == "PropertyValue":
            found.append({"name": text(item.get("name"), 255),
                          "value": sanitise(text(item.get("value"), 2048))})
    return found[:MAX_FIELDS]
