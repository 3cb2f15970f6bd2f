"""Signing up, in and out of the web UI. POST /auth/sign_in is the one sign-in path every
form (this page and the OAuth authorisation page) goes through: the password, then, for
accounts with two-factor sign-in, a code (/auth/sign_in/code); failures of either are
limited per account and per address (http/ratelimit.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from parley.accounts.service import create_local_account
from parley.errors import Forbidden, Invalid, RateLimited, Unauthorized
from parley.http.deps import DbSession
from parley.http.ratelimit import sign_in_guard
from parley.moderation.blocks import check_sign_in, check_sign_up
from parley.moderation.rules import rules_in_force
from parley.oauth.service import Credentials, check_code, check_password
from parley.web.forms import checked, form_fields, safe_next
from parley.web.render import Page, PageContext
from parley.web.routing import WebRoute
from parley.web.session import pending_account_id, pending_sign_in

router = APIRouter(route_class=WebRoute)

__all__ = ["form_fields", "refusal_status", "router", "safe_next", "sign_in_form"]


def sign_in_form(page: Page, *, next_url: str, login: str = "", error: str | None = None,
                 status: int = 200, **context: Any) -> Response:
    return page.render("sign_in.html", status=status, next_url=next_url, login=login,
                       error=error, **context)


def code_form(page: Page, *, next_url: str, token: str, error: str | None = None,
              status: int = 200) -> Response:
    """The second step of signing in, for accounts with two-factor sign-in."""
    return page.render("sign_in_code.html", status=status, next_url=next_url, token=token,
                       error=error)


def _address(page: Page) -> str | None:
    return page.request.client.host if page.request.client else None


def refusal_status(exc: Unauthorized | RateLimited) -> int:
    """A refused password or code: 422, or 429 once the sign-in budget is spent."""
    return 429 if isinstance(exc, RateLimited) else 422


async def _password_step(page: Page, db: DbSession, login: str, password: str
                         ) -> Credentials:
    if not login.strip() or not password:
        raise Unauthorized("Enter your e-mail address or username, and your password.")
    await check_sign_in(db, ip=_address(page))
    return await check_password(db, login, password, sign_in_guard(page.request))


@router.get("/auth/sign_in")
async def sign_in_page(page: PageContext) -> Response:
    next_url = safe_next(page.request.query_params.get("next"))
    if page.signed_in:
        return page.redirect(next_url)
    return sign_in_form(page, next_url=next_url)


@router.post("/auth/sign_in")
async def sign_in(page: PageContext, db: DbSession) -> Response:
    """Every sign-in form (this page's and the OAuth authorisation page's) posts here."""
    fields = await form_fields(page.request)
    login, next_url = fields.get("login", ""), safe_next(fields.get("next"))
    if not page.csrf_ok(fields.get("csrf")) or page.session is None:
        return sign_in_form(page, next_url=next_url, login=login, status=403,
                            error="Your session expired. Please sign in again.")
    try:
        credentials = await _password_step(page, db, login, fields.get("password", ""))
    except (Unauthorized, RateLimited) as exc:
        return sign_in_form(page, next_url=next_url, login=login, error=exc.message,
                            status=refusal_status(exc))
    if credentials.needs_code:
        token = pending_sign_in(page.settings, page.session, credentials.account.id)
        return code_form(page, next_url=next_url, token=token)
    await page.sign_in(db, credentials.account)
    return page.redirect(next_url)


@router.post("/auth/sign_in/code")
async def sign_in_code(page: PageContext, db: DbSession) -> Response:
    """The code (or a recovery code) after a right password; only now a session opens."""
    fields = await form_fields(page.request)
    next_url, token = safe_next(fields.get("next")), fields.get("token", "")
    account_id = pending_account_id(page.settings, page.session, token)
    if not page.csrf_ok(fields.get("csrf")) or account_id is None:
        return sign_in_form(page, next_url=next_url, status=403,
                            error="Your sign-in expired. Please sign in again.")
    try:
        await check_sign_in(db, ip=_address(page))
        account = await check_code(db, account_id, fields.get("code", ""),
                                   secret_key=page.settings.secret_key,
                                   guard=sign_in_guard(page.request))
    except (Unauthorized, RateLimited) as exc:
        return code_form(page, next_url=next_url, token=token, error=exc.message,
                         status=refusal_status(exc))
    await page.sign_in(db, account)
    return page.redirect(next_url)


@router.post("/auth/sign_out")
async def sign_out(page: PageContext, db: DbSession) -> Response:
    fields = await form_fields(page.request)
    if not page.csrf_ok(fields.get("csrf")):
        return page.error(403, "Session expired",
                          "Your session expired. Reload the page and try again.")
    await page.sign_out(db)
    return page.redirect("/")


async def sign_up_form(page: Page, db: DbSession, *, values: dict[str, str] | None = None,
                       error: str | None = None, status: int = 200) -> Response:
    """The form, with the server's rules to agree to."""
    kept = {key: (values or {}).get(key, "") for key in ("username", "email", "reason")}
    return page.render("sign_up.html", status=status, values=kept, error=error,
                       mode=page.settings.registrations, rules=await rules_in_force(db))


@router.get("/auth/sign_up")
async def sign_up_page(page: PageContext, db: DbSession) -> Response:
    if page.signed_in:
        return page.redirect("/")
    closed = page.settings.registrations == "closed"
    return await sign_up_form(page, db, status=403 if closed else 200)


def _sign_up_problem(fields: dict[str, str]) -> str | None:
    if fields.get("password", "") != fields.get("password_confirmation", ""):
        return "The two passwords do not match."
    if not checked(fields, "agreement"):
        return "Please accept the server rules to sign up."
    return None


@router.post("/auth/sign_up")
async def sign_up(page: PageContext, db: DbSession) -> Response:
    fields = await form_fields(page.request)
    settings = page.settings
    if settings.registrations == "closed":
        return await sign_up_form(page, db, status=403)
    if not page.csrf_ok(fields.get("csrf")):
        return await sign_up_form(page, db, values=fields, status=403,
                                  error="Your session expired. Please try again.")
    problem = _sign_up_problem(fields)
    if problem is not None:
        return await sign_up_form(page, db, values=fields, error=problem, status=422)
    try:
        wait = await check_sign_up(db, email=fields.get("email", "").strip(),
                                   ip=_address(page))
        account = await create_local_account(
            db, settings, username=fields.get("username", "").strip(),
            email=fields.get("email", "").strip(), password=fields.get("password", ""),
            approved=settings.registrations == "open" and not wait,
            reason=fields.get("reason") or None)
    except Forbidden:
        return await sign_up_form(page, db, values=fields, status=403,
                                  error="Sign-ups from your network are not allowed.")
    except Invalid as exc:
        return await sign_up_form(
            page, db, values=fields, status=422,
            error=exc.message.removeprefix("Validation failed: ").capitalize())
    if settings.registrations == "approval" or wait:
        return page.error(200, "Thanks for signing up",
                          "A moderator will review your request. You can sign in once it is "
                          "approved.")
    await page.sign_in(db, account)
    return page.redirect("/")
