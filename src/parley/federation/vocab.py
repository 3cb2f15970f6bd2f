"""ActivityStreams words and constants: the public collection, the content types servers
send and accept, and the JSON-LD contexts Parley's documents declare."""

from __future__ import annotations

from typing import Any

AS_NAMESPACE = "https://www.w3.org/ns/activitystreams"
PUBLIC = f"{AS_NAMESPACE}#Public"
# How peers write the public collection in compacted JSON-LD.
PUBLIC_FORMS = frozenset({PUBLIC, "as:Public", "Public"})
SECURITY_CONTEXT = "https://w3id.org/security/v1"

ACTIVITY_JSON = "application/activity+json"
LD_JSON = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
# The content type Parley serves its documents with.
CONTENT_TYPE = f"{ACTIVITY_JSON}; charset=utf-8"

# The extensions Mastodon's documents declare, which peers read by these short names.
_EXTENSIONS: dict[str, Any] = {
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "sensitive": "as:sensitive",
    "Hashtag": "as:Hashtag",
    "toot": "http://joinmastodon.org/ns#",
    "featured": {"@id": "toot:featured", "@type": "@id"},
    "featuredTags": {"@id": "toot:featuredTags", "@type": "@id"},
    "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
    "movedTo": {"@id": "as:movedTo", "@type": "@id"},
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "memorial": "toot:memorial",
    "blurhash": "toot:blurhash",
    "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
    "votersCount": "toot:votersCount",
    "schema": "http://schema.org#",
    "PropertyValue": "schema:PropertyValue",
    "value": "schema:value",
    "quote": {"@id": "https://w3id.org/fep/044f#quote", "@type": "@id"},
    "quoteUri": "http://fedibird.com/ns#quoteUri",
    "_misskey_quote": "https://misskey-hub.net/ns#_misskey_quote",
    "quoteAuthorization": {"@id": "https://w3id.org/fep/044f#quoteAuthorization",
                           "@type": "@id"},
    "QuoteRequest": "https://w3id.org/fep/044f#QuoteRequest",
    "QuoteAuthorization": "https://w3id.org/fep/044f#QuoteAuthorization",
    "gts": "https://gotosocial.org/ns#",
    "interactionPolicy": {"@id": "gts:interactionPolicy", "@type": "@id"},
    "canQuote": {"@id": "gts:canQuote", "@type": "@id"},
    "automaticApproval": {"@id": "gts:automaticApproval", "@type": "@id"},
    "manualApproval": {"@id": "gts:manualApproval", "@type": "@id"},
    "interactingObject": {"@id": "gts:interactingObject", "@type": "@id"},
    "interactionTarget": {"@id": "gts:interactionTarget", "@type": "@id"},
}
CONTEXT: list[Any] = [AS_NAMESPACE, SECURITY_CONTEXT, _EXTENSIONS]


def is_activity_json(content_type: str | None) -> bool:
    """Whether a Content-Type (or one entry of an Accept header) names an ActivityStreams
    document: application/activity+json, or application/ld+json with the AS profile (or
    none: some servers leave it out)."""
    if not content_type:
        return False
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind in (ACTIVITY_JSON, "application/ld+json")


def accepts_activity_json(accept: str | None) -> bool:
    """Whether an Accept header asks for an ActivityStreams document."""
    return any(is_activity_json(part) for part in (accept or "").split(","))


def as_list(value: Any) -> list[Any]:
    """A property as a list: compacted JSON-LD writes one value bare, several as an array."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def id_of(value: Any) -> str | None:
    """The id of a property's value: a bare IRI, or an embedded object's `id`."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        found = value.get("id")
        return found if isinstance(found, str) else None
    return None
