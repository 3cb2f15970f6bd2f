"""Mastodon API: /api/v2/instance, the instance entity current clients read first."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from parley.api.v1.instance import (
    contact_entity,
    mastodon_version,
    media_configuration,
    polls_configuration,
    rules,
    statuses_configuration,
)
from parley.config import SOURCE_URL, Settings
from parley.http.deps import AppSettings, DbSession
from parley.http.responses import FastJSON, json_response
from parley.instance import service as instance
from parley.media.limits import DESCRIPTION_LIMIT
from parley.push.keys import server_key

router = APIRouter()

# The Mastodon API version whose features Parley has (clients compare it before using
# them): 2 grouped notifications (4.3); 3 update_credentials attribution_domains, 4 DELETE
# /api/v1/media/:id and delete_media, 5 the `blur` filter action (4.4); 7 quotes: quoted_status_id
# and quote_approval_policy, interaction_policy, quotes and revoke, quote notifications,
# source[quote_policy] (4.5).
MASTODON_API_VERSION = 7
ACTIVE_MONTH_DAYS = 28


def _configuration(settings: Settings, vapid_key: str) -> dict[str, Any]:
    return {
        "urls": {"streaming": settings.streaming_url, "status": None, "about": None,
                 "privacy_policy": None, "terms_of_service": None},
        "vapid": {"public_key": vapid_key},
        "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5,
                     "max_display_name_length": 30, "max_note_length": 500,
                     "max_profile_fields": 4, "profile_field_name_limit": 255,
                     "profile_field_value_limit": 2047},
        "statuses": statuses_configuration(settings),
        "media_attachments": {**media_configuration(), "description_limit": DESCRIPTION_LIMIT},
        "polls": polls_configuration(settings),
        "translation": {"enabled": False},
        "limited_federation": False,
    }


def _registrations(settings: Settings) -> dict[str, Any]:
    closed = settings.registrations == "closed"
    message = "Registrations are closed on this server." if closed else None
    return {"enabled": not closed, "approval_required": settings.registrations == "approval",
            "reason_required": False, "message": message, "min_age": None, "url": None}


@router.get("/api/v2/instance")
async def instance_v2(session: DbSession, settings: AppSettings) -> FastJSON:
    active = await instance.active_users(session, days=ACTIVE_MONTH_DAYS)
    return json_response({
        "domain": settings.domain,
        "title": settings.instance_title,
        "version": mastodon_version(),
        "api_versions": {"mastodon": MASTODON_API_VERSION},
        "source_url": SOURCE_URL,
        "description": settings.instance_description,
        "usage": {"users": {"active_month": active}},
        "thumbnail": {"url": f"{settings.base_url}/static/header.png", "blurhash": None,
                      "versions": {}},
        "icon": [],
        "languages": ["en"],
        "configuration": _configuration(settings, (await server_key(session)).public_padded),
        "registrations": _registrations(settings),
        "contact": {"email": settings.contact_email,
                    "account": await contact_entity(session, settings)},
        "rules": await rules(session),
    })
