"""The OAuth authorisation page: sign in if needed, then approve or deny an app's access.

Errors about the client or its redirect URI are shown here and never redirect (RFC 6749
4.1.2.1: the redirect URI cannot be trusted yet); every later error goes back to the app.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit, urlunsplit

from fastapi import APIRouter
from starlette.responses import Response

from parley.http.deps import DbSession
from parley.oauth import service
from parley.oauth.models import Application
from parley.oauth.service import OOB_REDIRECT, AuthorizationRequest, OAuthError
from parley.web.render import Page, PageContext
from parley.web.routes.auth import form_fields, sign_in_form
from parley.web.scopes import describe_scopes

router = APIRouter()
TRUE_WORDS = ("1", "true", "on", "yes")
# What the consent form carries through, so POST can check the request again.
CARRIED = ("client_id", "redirect_uri", "response_type", "scope", "state", "code_challenge",
           "code_challenge_method")


def with_query(uri: str, params: Mapping[str, str | None]) -> str:
    """`uri` with `params` added to its query string (the app's own parameters kept)."""
    parts = urlsplit(uri)
    extra = urlencode({key: value for key, value in params.items() if value is not None})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query))


def error_redirect(page: Page, redirect_uri: str, exc: OAuthError, state: str | None
                   ) -> Response:
    if redirect_uri == OOB_REDIRECT:
        return page.error(400, "Authorization failed", exc.message)
    return page.redirect(with_query(redirect_uri, {
        "error": exc.error, "error_description": exc.message, "state": state}), status=302)


def client_error(page: Page, exc: OAuthError) -> Response:
    """An unknown app or redirect URI: explained here, never sent back to the app."""
    if exc.error == "invalid_client":
        message = ("The app that sent you here is not registered on this server. "
                   "Go back to the app and try signing in again.")
    else:
        message = (f"{exc.message} The app that sent you here asked to return to an address "
                   "it did not register, so Parley will not send you there.")
    return page.error(400, "Authorization failed", message)


async def _client(db: DbSession, params: Mapping[str, str]) -> tuple[Application, str]:
    app = await service.find_client(db, params.get("client_id"))
    return app, service.registered_redirect(app, params.get("redirect_uri"))


def _check(app: Application, redirect_uri: str, params: Mapping[str, str]
           ) -> AuthorizationRequest:
    return service.check_authorization_request(
        app, redirect_uri, response_type=params.get("response_type", "code"),
        scope=params.get("scope"), code_challenge=params.get("code_challenge"),
        code_challenge_method=params.get("code_challenge_method"))


def consent_page(page: Page, request: AuthorizationRequest, params: Mapping[str, str]
                 ) -> Response:
    carried = {key: params[key] for key in CARRIED if params.get(key)}
    carried["redirect_uri"] = request.redirect_uri
    return page.render("authorize.html", app=request.app, carried=carried,
                       scopes=describe_scopes(request.scopes))


def login_page(page: Page, app: Application, params: Mapping[str, str]) -> Response:
    """Sign in first; afterwards come back here (without force_login, or it would loop)."""
    again = {key: value for key, value in params.items() if key != "force_login"}
    return sign_in_form(page, next_url=f"/oauth/authorize?{urlencode(again)}", app=app)


@router.get("/oauth/authorize")
async def authorize_page(page: PageContext, db: DbSession) -> Response:
    params = dict(page.request.query_params)
    try:
        app, redirect_uri = await _client(db, params)
    except OAuthError as exc:
        return client_error(page, exc)
    # Sign in first, as Mastodon does: nobody is sent anywhere by a request they did not make
    # while signed in (a bad scope would otherwise bounce any visitor to the app at once).
    if not page.signed_in or params.get("force_login", "").lower() in TRUE_WORDS:
        return login_page(page, app, params)
    try:
        request = _check(app, redirect_uri, params)
    except OAuthError as exc:
        return error_redirect(page, redirect_uri, exc, params.get("state"))
    return consent_page(page, request, params)


@router.post("/oauth/authorize")
async def authorize(page: PageContext, db: DbSession) -> Response:
    fields = await form_fields(page.request)
    try:
        app, redirect_uri = await _client(db, fields)
    except OAuthError as exc:
        return client_error(page, exc)
    state = fields.get("state")
    if page.account is None:
        return login_page(page, app, {k: v for k, v in fields.items() if k in CARRIED})
    try:
        request = _check(app, redirect_uri, fields)
    except OAuthError as exc:
        return error_redirect(page, redirect_uri, exc, state)
    if not page.csrf_ok(fields.get("csrf")):
        return page.error(403, "Session expired",
                          "Your session expired. Go back to the app and try again.")
    if fields.get("decision") != "approve":
        if redirect_uri == OOB_REDIRECT:
            return page.error(200, "Access denied", f"You did not allow {app.name} to use "
                              "your account. You can close this page.")
        denied = OAuthError("access_denied", "The resource owner or authorization server "
                            "denied the request.")
        return error_redirect(page, redirect_uri, denied, state)
    code = await service.create_code(
        db, app=app, account=page.account, scopes=request.scopes, redirect_uri=redirect_uri,
        code_challenge=request.code_challenge,
        code_challenge_method=request.code_challenge_method)
    if redirect_uri == OOB_REDIRECT:
        return page.render("authorize_code.html", app=app, code=code)
    return page.redirect(with_query(redirect_uri, {"code": code, "state": state}), status=302)
