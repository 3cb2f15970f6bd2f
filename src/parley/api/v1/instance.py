"""Mastodon API: instance information v1 and the small instance endpoints (all public)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import PlainTextResponse

from parley.api.entities.accounts import account_entity
from parley.api.entities.rules import rule_entity
from parley.config import VERSION, Settings
from parley.errors import NotFound
from parley.http.auth import Viewer, user_optional
from parley.http.deps import AppSettings, DbSession
from parley.http.responses import FastJSON, json_response
from parley.instance import service as instance
from parley.lib.html import plain_to_html
from parley.lib.timefmt import iso
from parley.media import limits
from parley.moderation.rules import rules_in_force
from parley.polls.rules import MAX_EXPIRATION, MAX_OPTION_CHARS, MIN_EXPIRATION

router = APIRouter()

MAX_MEDIA_ATTACHMENTS = 4
CHARACTERS_RESERVED_PER_URL = 23
# When the built-in policy text below was last changed.
POLICY_UPDATED_AT = datetime(2025, 1, 1, tzinfo=UTC)


def mastodon_version() -> str:
    """Mastodon.py reads the first three dotted numbers to decide which features exist."""
    return f"4.3.0 (compatible; Parley {VERSION})"


def media_configuration() -> dict[str, Any]:
    return limits.configuration()


def polls_configuration(settings: Settings) -> dict[str, Any]:
    """polls/rules.py's limits, as clients read them before composing a poll."""
    return {"max_options": settings.poll_max_options,
            "max_characters_per_option": MAX_OPTION_CHARS,
            "min_expiration": int(MIN_EXPIRATION.total_seconds()),
            "max_expiration": int(MAX_EXPIRATION.total_seconds())}


def statuses_configuration(settings: Settings) -> dict[str, Any]:
    return {"max_characters": settings.max_characters,
            "max_media_attachments": MAX_MEDIA_ATTACHMENTS,
            "characters_reserved_per_url": CHARACTERS_RESERVED_PER_URL}


async def rules(session: AsyncSession) -> list[dict[str, Any]]:
    """The server's rules in force, in their order."""
    return [rule_entity(rule) for rule in await rules_in_force(session)]


async def contact_entity(session: AsyncSession, settings: Settings) -> dict[str, Any] | None:
    account = await instance.contact_account(session)
    return None if account is None else account_entity(account, settings)


@router.get("/api/v1/instance")
async def instance_v1(session: DbSession, settings: AppSettings) -> FastJSON:
    stats = await instance.instance_stats(session)
    return json_response({
        "uri": settings.domain,
        "title": settings.instance_title,
        "short_description": settings.instance_description,
        "description": settings.instance_description,
        "email": settings.contact_email,
        "version": mastodon_version(),
        "urls": {"streaming_api": settings.streaming_url},
        "stats": {"user_count": stats.user_count, "status_count": stats.status_count,
                  "domain_count": stats.domain_count},
        "thumbnail": f"{settings.base_url}/static/header.png",
        "languages": ["en"],
        "registrations": settings.registrations != "closed",
        "approval_required": settings.registrations == "approval",
        "invites_enabled": False,
        "configuration": {
            "accounts": {"max_featured_tags": 10},
            "statuses": statuses_configuration(settings),
            "media_attachments": media_configuration(),
            "polls": polls_configuration(settings),
        },
        "contact_account": await contact_entity(session, settings),
        "rules": await rules(session),
    })


@router.get("/api/v1/instance/peers")
async def peers() -> FastJSON:
    # Domains this server knows; federation fills this in.
    return json_response([])


@router.get("/api/v1/instance/activity")
async def activity(session: DbSession) -> FastJSON:
    weeks = await instance.weekly_activity(session)
    return json_response([
        {"week": str(int(week.week.timestamp())), "statuses": str(week.posts),
         "logins": str(week.logins), "registrations": str(week.registrations)}
        for week in weeks
    ])


@router.get("/api/v1/instance/rules")
async def instance_rules(session: DbSession) -> FastJSON:
    return json_response(await rules(session))


@router.get("/api/v1/instance/domain_blocks")
async def domain_blocks(settings: AppSettings, viewer: Viewer | None = Depends(
        user_optional("read"))) -> FastJSON:
    """The servers this one blocks, for whom the operator shows them (else 404, as in
    Mastodon); server-wide domain blocks arrive with moderation, so the list is empty."""
    shown = settings.show_domain_blocks
    if shown == "disabled" or (shown == "users" and viewer is None):
        raise NotFound()
    return json_response([])


@router.get("/api/v1/instance/extended_description")
async def extended_description(settings: AppSettings) -> FastJSON:
    return json_response({"updated_at": iso(POLICY_UPDATED_AT),
                          "content": plain_to_html(settings.instance_description)})


def _privacy_policy_html(settings: Settings) -> str:
    return plain_to_html(
        f"{settings.instance_title} stores what you give it to run your account: your e-mail "
        "address, a hash of your password, your profile and your posts, and which apps you "
        "have signed in to.\n\n"
        "Public and unlisted posts and your profile are visible to anyone. Followers-only "
        "posts are shown to your followers and the people you mention; direct posts only to "
        "the people you mention. The server's administrators can see everything stored here."
        "\n\nWe do not sell or share your data. Delete your posts or your account to remove "
        "them."
    )


@router.get("/api/v1/instance/privacy_policy")
async def privacy_policy(settings: AppSettings) -> FastJSON:
    return json_response({"updated_at": iso(POLICY_UPDATED_AT),
                          "content": _privacy_policy_html(settings)})


@router.get("/api/v1/instance/terms_of_service")
async def terms_of_service() -> FastJSON:
    # Like Mastodon when an operator has published no terms.
    raise NotFound()


@router.get("/api/v1/instance/terms_of_service/{date}")
async def terms_of_service_on(date: str) -> FastJSON:
    raise NotFound()


@router.get("/api/v1/instance/translation_languages")
async def translation_languages() -> FastJSON:
    return json_response({})


@router.get("/api/v1/instance/languages")
async def languages() -> FastJSON:
    return json_response([{"code": "en", "name": "English"}])


@router.get("/api/v1/custom_emojis")
async def custom_emojis() -> FastJSON:
    return json_response([])


@router.get("/health")
async def health() -> PlainTextResponse:
    return PlainTextResponse("OK")
