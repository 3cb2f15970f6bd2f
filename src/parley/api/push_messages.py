"""The Web Push message Mastodon clients decode (what Mastodon sends): the notification's id
and type in Mastodon's words, a title and body to show at once, the sender's avatar, and the
access token the subscription was made with (so a client with several accounts knows whose).
Installed into push/ by the composition root (domains.install)."""

from __future__ import annotations

from typing import Any

from parley.api.entities.notification_types import mastodon_type
from parley.config import Settings
from parley.push.facts import PushFacts

BODY_LENGTH = 140

# Mastodon's words -> the title, `{name}` being who caused it.
_TITLES = {
    "mention": "You were mentioned by {name}",
    "status": "{name} just posted",
    "reblog": "{name} boosted your post",
    "follow": "{name} is now following you",
    "follow_request": "Pending follower: {name}",
    "favourite": "{name} favorited your post",
    "update": "{name} edited a post",
    "quote": "{name} quoted your post",
    "quoted_update": "{name} edited a post you have quoted",
    "admin.sign_up": "{name} signed up",
    "admin.report": "New report by {name}",
}


def _title(kind: str, facts: PushFacts) -> str:
    if kind == "poll":
        return "Your poll has ended" if facts.own_post else "A poll you voted in has ended"
    return _TITLES.get(kind, "New notification from {name}").format(name=facts.sender_name)


def _truncate(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= BODY_LENGTH else text[:BODY_LENGTH - 1].rstrip() + "…"


def push_message(facts: PushFacts, access_token: str, settings: Settings) -> dict[str, Any]:
    kind = mastodon_type(facts.type)
    body = facts.post_text if facts.post_text is not None else facts.sender_note
    return {
        "access_token": access_token,
        "preferred_locale": facts.locale,
        "notification_id": facts.notification_id,
        "notification_type": kind,
        "icon": facts.sender_avatar or f"{settings.base_url}/static/avatar.png",
        "title": _title(kind, facts),
        "body": _truncate(body),
    }
