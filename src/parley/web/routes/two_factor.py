"""Settings → Two-factor sign-in: set it up (the secret as text, otpauth:// URI and QR code,
confirmed with a current code and the password; recovery codes shown once), make new
recovery codes, turn it off (password and a code). Every page works without JavaScript."""

from __future__ import annotations

from collections.abc import Sequence

import segno
from fastapi import APIRouter
from starlette.responses import Response

from parley.accounts import two_factor
from parley.accounts.models import Account, User
from parley.errors import RateLimited, Unauthorized
from parley.http.deps import DbSession
from parley.http.ratelimit import sign_in_guard
from parley.lib.sealing import seal, unseal
from parley.oauth.service import check_code, check_own_password
from parley.web.render import Page, PageContext
from parley.web.routes.auth import form_fields, refusal_status
from parley.web.routing import WebRoute

router = APIRouter(route_class=WebRoute)
PATH = "/settings/two-factor"
# The secret being set up travels in the form, sealed to its account, until confirmed.
SETUP_PURPOSE = "parley.two_factor.setup"
SETUP_MAX_AGE_SECONDS = 3600


async def _user(db: DbSession, account: Account) -> User:
    user = await db.get(User, account.id)
    if user is None:  # a remote account has no web session; never reached
        raise Unauthorized("Sign in to continue")
    return user


def _setup_page(page: Page, account: Account, *, secret: str | None = None,
                error: str | None = None, status: int = 200) -> Response:
    secret = secret or two_factor.new_secret()
    uri = two_factor.provisioning_uri(secret, account_name=f"{account.username}@"
                                      f"{page.settings.domain}", issuer=page.settings.domain)
    return page.render(
        "settings_two_factor.html", enabled=False, secret=secret, uri=uri,
        qr=segno.make(uri, error="m").svg_data_uri(scale=4, border=2),
        sealed=seal(page.settings.secret_key, SETUP_PURPOSE, f"{account.id}:{secret}"),
        codes=None, error=error, notice=None, status=status)


def _enabled_page(page: Page, *, codes: Sequence[str] | None = None,
                  error: str | None = None, status: int = 200) -> Response:
    notice = "Two-factor sign-in is on." if codes else None
    return page.render("settings_two_factor.html", enabled=True, codes=codes, error=error,
                       notice=notice, status=status)


@router.get(PATH)
async def two_factor_page(page: PageContext, db: DbSession) -> Response:
    account = page.require_account()
    if (await _user(db, account)).two_factor:
        return _enabled_page(page)
    if page.request.query_params.get("disabled") == "1":
        return page.render("settings_two_factor.html", enabled=False, secret=None, codes=None,
                           error=None, notice="Two-factor sign-in is off.")
    return _setup_page(page, account)


def _setup_secret(page: Page, account: Account, sealed: str) -> str | None:
    text = unseal(page.settings.secret_key, SETUP_PURPOSE, sealed,
                  max_age=SETUP_MAX_AGE_SECONDS)
    owner, _, secret = (text or "").partition(":")
    return secret if secret and owner == str(account.id) else None


@router.post(f"{PATH}/enable")
async def enable(page: PageContext, db: DbSession) -> Response:
    account = page.require_account()
    fields = await form_fields(page.request)
    page.require_csrf(fields)
    user = await _user(db, account)
    if user.two_factor:
        return _enabled_page(page)
    secret = _setup_secret(page, account, fields.get("secret", ""))
    if secret is None:
        return _setup_page(page, account, status=422,
                           error="This set-up expired. Scan the new code and try again.")
    try:
        await check_own_password(db, account, fields.get("password", ""),
                                 sign_in_guard(page.request))
    except (Unauthorized, RateLimited) as exc:
        return _setup_page(page, account, secret=secret, error=exc.message,
                           status=refusal_status(exc))
    step = two_factor.matching_step(secret, fields.get("code", ""), after=None)
    if step is None:
        return _setup_page(page, account, secret=secret, status=422,
                           error="That code is not right. Check the time on your device "
                                 "and enter the code your app shows now.")
    codes = await two_factor.enable(db, user, secret=secret, step=step,
                                    secret_key=page.settings.secret_key)
    return _enabled_page(page, codes=codes)


async def _confirmed(page: Page, db: DbSession, account: Account, fields: dict[str, str]
                     ) -> None:
    """The password and a code (or a recovery code) again; failures count as sign-ins."""
    guard = sign_in_guard(page.request)
    await check_own_password(db, account, fields.get("password", ""), guard)
    await check_code(db, account.id, fields.get("code", ""),
                     secret_key=page.settings.secret_key, guard=guard)


@router.post(f"{PATH}/recovery_codes")
async def new_recovery_codes(page: PageContext, db: DbSession) -> Response:
    account = page.require_account()
    fields = await form_fields(page.request)
    page.require_csrf(fields)
    if not (await _user(db, account)).two_factor:
        return page.redirect(PATH)
    try:
        await _confirmed(page, db, account, fields)
    except (Unauthorized, RateLimited) as exc:
        return _enabled_page(page, error=exc.message, status=refusal_status(exc))
    return _enabled_page(page, codes=await two_factor.replace_recovery_codes(
        db, account_id=account.id))


@router.post(f"{PATH}/disable")
async def disable(page: PageContext, db: DbSession) -> Response:
    account = page.require_account()
    fields = await form_fields(page.request)
    page.require_csrf(fields)
    user = await _user(db, account)
    if not user.two_factor:
        return page.redirect(PATH)
    try:
        await _confirmed(page, db, account, fields)
    except (Unauthorized, RateLimited) as exc:
        return _enabled_page(page, error=exc.message, status=refusal_status(exc))
    await two_factor.disable(db, user)
    return page.redirect(f"{PATH}?disabled=1")
