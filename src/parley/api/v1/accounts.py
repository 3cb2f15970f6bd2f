"""Mastodon API: accounts (registration, profile, lookup, search)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from parley.accounts import service as accounts
from parley.api.deps import AppSettings, DbSession, Viewer, app_required, parse_id, user_required
from parley.api.entities.accounts import account_entity, credential_account_entity
from parley.api.oauth import token_entity
from parley.api.params import parse
from parley.api.responses import FastJSON, json_response
from parley.errors import Forbidden, Invalid
from parley.oauth.tokens import Authenticated, issue_token
from parley.social.models import Follow

router = APIRouter()


class RegistrationForm(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)
    agreement: bool = False
    locale: str = "en"
    reason: str | None = Field(default=None, max_length=1000)


@router.post("/api/v1/accounts")
async def register(request: Request, session: DbSession, settings: AppSettings,
                   auth: Authenticated = Depends(app_required("write:accounts"))) -> FastJSON:
    if settings.registrations == "closed":
        raise Forbidden("Registrations are not open on this server")
    form = await parse(request, RegistrationForm)
    if not form.agreement:
        raise Invalid("Validation failed: agreement must be accepted")
    account = await accounts.create_local_account(
        session, settings, username=form.username, email=form.email, password=form.password,
        approved=settings.registrations == "open", reason=form.reason,
    )
    scopes = auth.token.scopes.split()
    issued = await issue_token(session, application_id=auth.token.application_id,
                               account_id=account.id, scopes=scopes)
    return json_response(token_entity(issued))


async def pending_follow_requests(session: DbSession, account_id: int) -> int:
    return await session.scalar(
        select(func.count()).select_from(Follow)
        .where(Follow.target_account_id == account_id, Follow.state == "pending")) or 0


@router.get("/api/v1/accounts/verify_credentials")
async def verify_credentials(session: DbSession, settings: AppSettings,
                             viewer: Viewer = Depends(user_required("profile"))) -> FastJSON:
    requests_count = await pending_follow_requests(session, viewer.id)
    return json_response(credential_account_entity(viewer.account, settings,
                                                   follow_requests_count=requests_count))


@router.get("/api/v1/accounts/{account_id}")
async def get_account(account_id: str, session: DbSession, settings: AppSettings) -> FastJSON:
    account = await accounts.get_account(session, parse_id(account_id))
    return json_response(account_entity(account, settings))
