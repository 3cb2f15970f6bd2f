"""Mastodon API (4.6): /api/v1/profile, the signed-in user's profile as they typed it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from parley.accounts import service as accounts
from parley.accounts.models import Account
from parley.api.params import parse
from parley.api.v1.accounts import CredentialsForm, profile_images
from parley.http.auth import AccountViewer, account_required
from parley.http.deps import AppSettings, DbSession
from parley.http.openapi import body
from parley.http.responses import FastJSON, json_response

router = APIRouter()
Reading = Annotated[AccountViewer, Depends(account_required("read:accounts"))]
Writing = Annotated[AccountViewer, Depends(account_required("write:accounts"))]


def profile_entity(account: Account) -> dict[str, Any]:
    """Mastodon's Profile: the editable fields' source values; images null when unset."""
    return {
        "id": str(account.id),
        "display_name": account.display_name,
        "note": account.note_source,
        "fields": [{"name": f.get("name", ""), "value": f.get("value", ""),
                    "verified_at": f.get("verified_at")} for f in account.fields or []],
        "avatar": account.avatar_url,
        "avatar_static": account.avatar_url,
        "avatar_description": account.avatar_description,
        "header": account.header_url,
        "header_static": account.header_url,
        "header_description": account.header_description,
        "locked": account.locked,
        "bot": account.bot,
        "discoverable": account.discoverable,
        "indexable": account.indexable,
        "hide_collections": bool(account.hide_collections),
        "attribution_domains": [],
        "show_featured": True,
        "show_media": True,
        "show_media_replies": True,
    }


@router.get("/api/v1/profile")
async def get_profile(viewer: Reading) -> FastJSON:
    return json_response(profile_entity(viewer.account))


@router.patch("/api/v1/profile", openapi_extra=body(CredentialsForm))
async def update_profile(request: Request, session: DbSession, settings: AppSettings,
                         viewer: Writing) -> FastJSON:
    """The same changes as update_credentials (one service), answered with the Profile."""
    form = await parse(request, CredentialsForm)
    account = await accounts.update_profile(session, viewer.account, form.changes())
    account = await profile_images(request, session, settings, account)
    return json_response(profile_entity(account))
