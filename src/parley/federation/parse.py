"""Reading what other servers send, whatever compacted form of JSON-LD they use (one value or
an array, the public collection as `as:Public` or `Public`, objects embedded or named by id),
into plain values with bounded lengths and counts: an activity here, and the visibility an
addressing means; actors (parse_actors.py) and notes (parse_notes.py) are read beside it and
their names are importable from here, the one door the handlers use."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from parley.federation.parse_actors import ACTOR_TYPES, ParsedActor, actor
from parley.federation.parse_notes import (
    MAX_POLL_OPTIONS,
    NOTE_TYPES,
    ParsedAttachment,
    ParsedMention,
    ParsedNote,
    ParsedPoll,
    ParsedPollOption,
    note,
)
from parley.federation.parse_values import (
    ParsedEmoji,
    Unreadable,
    iri,
    iris,
    published,
    text,
)
from parley.federation.vocab import PUBLIC_FORMS, id_of

__all__ = [
    "ACTOR_TYPES", "MAX_POLL_OPTIONS", "NOTE_TYPES", "ParsedActivity", "ParsedActor",
    "ParsedAttachment", "ParsedEmoji", "ParsedMention", "ParsedNote", "ParsedPoll",
    "ParsedPollOption", "Unreadable", "activity", "actor", "iri", "iris", "note", "published",
    "text", "visibility",
]


# What may come without an id: Mastodon sends its Add and Remove (pins) without one.
UNNAMED_TYPES = frozenset({"Add", "Remove"})


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
    object_type: str | None = None  # the type of an embedded object (an Undo's Follow...)
    target: str | None = None  # where an Add or Remove goes, the account a Move goes to
    # Whether it came with an id of its own (Mastodon sends Add and Remove without one).
    named: bool = True


def _unnamed_id(kind: str, actor_id: str, value: Any) -> str:
    """An id for an activity sent without one (for the logs: it is never remembered)."""
    digest = hashlib.sha256(str(id_of(value)).encode()).hexdigest()[:16]
    return f"{actor_id}#{kind.lower()}/{digest}"


def activity(document: dict[str, Any]) -> ParsedActivity:
    """An activity: its id, type and actor (an id or an embedded actor), its object as sent
    (embedded or an id) with that object's id and type, its addressing and target. Only an
    Add or a Remove may come without an id (Mastodon's have none): it is given one made
    from its actor and object, for the logs."""
    kind = document.get("type")
    if not isinstance(kind, str) or not kind or len(kind) > 64:
        raise Unreadable("the activity has no type")
    actor_id = iri(document.get("actor"))
    named = kind not in UNNAMED_TYPES or document.get("id") is not None
    activity_id = iri(document.get("id")) if named else _unnamed_id(
        kind, str(actor_id), document.get("object"))
    assert activity_id is not None and actor_id is not None
    value = document.get("object")
    found_type = value.get("type") if isinstance(value, dict) else None
    return ParsedActivity(id=activity_id, type=kind, actor=actor_id, object=value,
                          object_id=id_of(value), to=iris(document.get("to")),
                          cc=iris(document.get("cc")),
                          object_type=found_type if isinstance(found_type, str)
                          and len(found_type) <= 64 else None,
                          target=iri(document.get("target"), required=False), named=named)
