"""Actor documents: a local account as an ActivityPub Person (or Service, for bots), the
Update that carries it when its profile changes, and the instance actor (an Application that
signs fetches made on nobody's behalf)."""

from __future__ import annotations

import mimetypes
from typing import Any

from parley.accounts.models import Account
from parley.config import Settings
from parley.federation.keys import instance_actor_uri, key_id_of
from parley.federation.vocab import CONTEXT, PUBLIC
from parley.lib.timefmt import iso


def shared_inbox_url(settings: Settings) -> str:
    return f"{settings.base_url}/inbox"


def followers_url(actor_uri: str) -> str:
    return f"{actor_uri}/followers"


def featured_url(actor_uri: str) -> str:
    """The actor's featured collection: its pinned posts."""
    return f"{actor_uri}/collections/featured"


def _image(url: str | None, description: str) -> dict[str, Any] | None:
    if not url:
        return None
    kind = mimetypes.guess_type(url)[0] or "image/png"
    image = {"type": "Image", "mediaType": kind, "url": url}
    if description:
        image["name"] = description
    return image


def _fields(account: Account) -> list[dict[str, Any]]:
    return [{"type": "PropertyValue", "name": str(field.get("name", "")),
             "value": str(field.get("value", ""))} for field in account.fields or ()]


def person(account: Account, public_key_pem: str, settings: Settings, *,
           moved_to: str | None = None) -> dict[str, Any]:
    """The account's actor document, as Mastodon writes one (the properties peers read);
    `moved_to`: the URI of the account it moved to."""
    uri = account.uri
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": uri,
        "type": "Service" if account.bot else "Person",
        "preferredUsername": account.username,
        "name": account.display_name,
        "summary": account.note,
        "url": account.url,
        "inbox": f"{uri}/inbox",
        "outbox": f"{uri}/outbox",
        "followers": followers_url(uri),
        "following": f"{uri}/following",
        "featured": featured_url(uri),
        "featuredTags": f"{uri}/collections/tags",
        "endpoints": {"sharedInbox": shared_inbox_url(settings)},
        "manuallyApprovesFollowers": bool(account.locked),
        "discoverable": bool(account.discoverable),
        "indexable": bool(account.indexable),
        "memorial": False,
        "published": iso(account.created_at),
        "publicKey": {"id": key_id_of(uri), "owner": uri, "publicKeyPem": public_key_pem},
        "attachment": _fields(account),
        "tag": [],
    }
    if account.also_known_as:
        document["alsoKnownAs"] = list(account.also_known_as)
    if moved_to is not None:
        document["movedTo"] = moved_to
    for name, url, description in (("icon", account.avatar_url, account.avatar_description),
                                   ("image", account.header_url, account.header_description)):
        image = _image(url, description)
        if image is not None:
            document[name] = image
    return document


def update_of(actor: dict[str, Any], update_id: str) -> dict[str, Any]:
    """The Update of an actor by itself (its profile changed), embedding the new document
    and addressed to the public, as Mastodon sends it. `update_id` tells one from the next:
    receivers keep each activity id once."""
    body = {key: value for key, value in actor.items() if key != "@context"}
    return {"@context": CONTEXT, "id": f"{actor['id']}#updates/{update_id}", "type": "Update",
            "actor": actor["id"], "to": [PUBLIC], "object": body}


def instance_actor(settings: Settings, public_key_pem: str) -> dict[str, Any]:
    """The server's own actor (Mastodon's instance actor)."""
    uri = instance_actor_uri(settings)
    return {
        "@context": CONTEXT,
        "id": uri,
        "type": "Application",
        "preferredUsername": settings.domain,
        "url": f"{settings.base_url}/about",
        "inbox": f"{uri}/inbox",
        "outbox": f"{uri}/outbox",
        "endpoints": {"sharedInbox": shared_inbox_url(settings)},
        "manuallyApprovesFollowers": True,
        "publicKey": {"id": key_id_of(uri), "owner": uri, "publicKeyPem": public_key_pem},
    }
