"""Mastodon API: instance information (v1 and v2)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import func, select

from parley.accounts.models import Account
from parley.api.deps import AppSettings, DbSession
from parley.api.responses import FastJSON, json_response
from parley.config import VERSION, Settings

router = APIRouter()


def mastodon_version() -> str:
    """Mastodon.py reads the first three dotted numbers to decide which features exist."""
    return f"4.3.0 (compatible; Parley {VERSION})"


def _v1(settings: Settings, user_count: int) -> dict[str, Any]:
    return {
        "uri": settings.domain,
        "title": settings.instance_title,
        "short_description": settings.instance_description,
        "description": settings.instance_description,
        "email": settings.contact_email,
        "version": mastodon_version(),
        "urls": {"streaming_api": settings.streaming_url},
        "stats": {"user_count": user_count, "status_count": 0, "domain_count": 0},
        "thumbnail": f"{settings.base_url}/static/header.png",
        "languages": ["en"],
        "registrations": settings.registrations != "closed",
        "approval_required": settings.registrations == "approval",
        "invites_enabled": False,
        "configuration": {},
        "contact_account": None,
        "rules": [],
    }


@router.get("/api/v1/instance")
async def instance_v1(session: DbSession, settings: AppSettings) -> FastJSON:
    users = await session.scalar(select(func.count()).select_from(Account)
                                 .where(Account.domain.is_(None))) or 0
    return json_response(_v1(settings, users))
