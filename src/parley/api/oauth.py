"""OAuth 2 endpoints: /oauth/token, /oauth/revoke and the server metadata document.

The HTML authorisation page (/oauth/authorize) lives in web/, sharing oauth.service.
"""

from __future__ import annotations

import base64
import binascii
from typing import TypeVar
from urllib.parse import unquote_plus

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from parley.api.params import parse
from parley.errors import Invalid, Unauthorized
from parley.http.auth import AccountViewer, account_required
from parley.http.deps import AppSettings, DbSession
from parley.http.openapi import FORM_TYPES, body
from parley.http.ratelimit import sign_in_guard
from parley.http.responses import FastJSON, json_response
from parley.moderation.blocks import check_sign_in
from parley.oauth import service
from parley.oauth.scopes import ALL_SCOPES
from parley.oauth.service import OAuthError, SignInGuard
from parley.oauth.tokens import IssuedToken, issue_token

router = APIRouter()


class ClientForm(BaseModel):
    client_id: str | None = None
    client_secret: str | None = None


FormT = TypeVar("FormT", bound=ClientForm)


class TokenForm(ClientForm):
    grant_type: str
    scope: str | None = None
    code: str | None = None
    redirect_uri: str | None = None
    code_verifier: str | None = None
    username: str | None = None
    password: str | None = None
    refresh_token: str | None = None


def oauth_error(exc: OAuthError) -> FastJSON:
    response = json_response({"error": exc.error, "error_description": exc.message},
                             status=exc.status_code)
    if exc.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="Parley"'
    return response


def basic_credentials(request: Request) -> tuple[str, str] | None:
    """client_secret_basic (RFC 6749 2.3.1): form-urlencoded id and secret in Basic auth."""
    header = request.headers.get("authorization", "")
    if header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError("invalid_client", "Malformed Basic authorization header", 401)
    client_id, sep, client_secret = decoded.partition(":")
    if not sep:
        raise OAuthError("invalid_client", "Malformed Basic authorization header", 401)
    return unquote_plus(client_id), unquote_plus(client_secret)


async def parse_client_form(request: Request, model: type[FormT]) -> FormT:
    """The form, with client credentials from Basic auth when sent there (only one method
    may be used: a client id in both places must agree)."""
    try:
        form = await parse(request, model)
    except Invalid as exc:
        raise OAuthError("invalid_request", exc.message)
    basic = basic_credentials(request)
    if basic is not None:
        if form.client_id and form.client_id != basic[0]:
            raise OAuthError("invalid_request", "Client credentials were sent in two ways")
        form.client_id, form.client_secret = basic
    return form


def token_entity(issued: IssuedToken) -> dict[str, object]:
    entity: dict[str, object] = {
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "scope": issued.row.scopes,
        "created_at": int(issued.row.created_at.timestamp()),
    }
    if issued.refresh_token:
        entity["refresh_token"] = issued.refresh_token
    return entity


async def _grant(session: DbSession, form: TokenForm, guard: SignInGuard | None,
                 address: str | None) -> IssuedToken:
    app = await service.authenticate_client(session, form.client_id, form.client_secret)
    if form.grant_type == "authorization_code":
        return await service.exchange_code(session, app=app, code=form.code,
                                           redirect_uri=form.redirect_uri,
                                           code_verifier=form.code_verifier)
    if form.grant_type == "password":
        scopes = service.requested_scopes(app, form.scope)
        try:
            await check_sign_in(session, ip=address)
            account = await service.password_grant_account(
                session, form.username or "", form.password or "", guard)
        except Unauthorized as exc:
            raise OAuthError("invalid_grant", exc.message)
        return await issue_token(session, application_id=app.id, account_id=account.id,
                                 scopes=scopes)
    if form.grant_type == "client_credentials":
        scopes = service.requested_scopes(app, form.scope)
        return await issue_token(session, application_id=app.id, account_id=None,
                                 scopes=scopes, with_refresh=False)
    if form.grant_type == "refresh_token":
        return await service.refresh(session, app=app, refresh_token=form.refresh_token)
    raise OAuthError("unsupported_grant_type",
                     "The authorization grant type is not supported by the authorization server.")


@router.post("/oauth/token", openapi_extra=body(TokenForm, FORM_TYPES))
async def token(request: Request, session: DbSession) -> FastJSON:
    try:
        form = await parse_client_form(request, TokenForm)
        issued = await _grant(session, form, sign_in_guard(request),
                              request.client.host if request.client else None)
    except OAuthError as exc:
        return oauth_error(exc)
    return json_response(token_entity(issued))


class RevokeForm(ClientForm):
    token: str = ""


@router.post("/oauth/revoke", openapi_extra=body(RevokeForm, FORM_TYPES))
async def revoke(request: Request, session: DbSession) -> FastJSON:
    try:
        form = await parse_client_form(request, RevokeForm)
        app = await service.authenticate_client(session, form.client_id, form.client_secret)
    except OAuthError as exc:
        return oauth_error(exc)
    await service.revoke(session, app=app, token=form.token)
    return json_response({})


@router.get("/.well-known/oauth-authorization-server")
async def metadata(settings: AppSettings) -> FastJSON:
    base = settings.base_url
    return json_response({
        "issuer": f"{base}/",
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "app_registration_endpoint": f"{base}/api/v1/apps",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "userinfo_endpoint": f"{base}/oauth/userinfo",
        "scopes_supported": sorted(ALL_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": ["authorization_code", "password", "client_credentials",
                                  "refresh_token"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    })


@router.get("/oauth/userinfo")
@router.post("/oauth/userinfo")
async def userinfo(settings: AppSettings,
                   viewer: AccountViewer = Depends(account_required("profile"))) -> FastJSON:
    """OpenID Connect's UserInfo, as Mastodon 4.3 serves it."""
    account = viewer.account
    return json_response({
        "iss": f"{settings.base_url}/",
        "sub": account.uri,
        "name": account.display_name or account.username,
        "preferred_username": account.username,
        "profile": account.url,
        "picture": account.avatar_url or f"{settings.base_url}/static/avatar.png",
    })
