"""Signing in and out of the web UI; sign_in_with_password is the one sign-in path that
every form (this page and the OAuth authorisation page) goes through."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from parley.api.deps import DbSession
from parley.errors import Unauthorized
from parley.oauth.service import check_password
from parley.web.render import Page, PageContext

router = APIRouter()
MAX_FIELD_LENGTH = 4096


async def form_fields(request: Request) -> dict[str, str]:
    """A submitted HTML form's text fields (files and oversized values are dropped)."""
    form = await request.form()
    return {key: value for key, value in form.items()
            if isinstance(value, str) and len(value) <= MAX_FIELD_LENGTH}


def safe_next(raw: str | None) -> str:
    """Only paths on this server: never an open redirect to another site."""
    if raw and raw.startswith("/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return "/"


def sign_in_form(page: Page, *, next_url: str, login: str = "", error: str | None = None,
                 status: int = 200, **context: Any) -> Response:
    return page.render("sign_in.html", status=status, next_url=next_url, login=login,
                       error=error, **context)


async def sign_in_with_password(page: Page, db: DbSession, login: str, password: str
                                ) -> str | None:
    """Sign the page in: None on success, else the message to show beside the form."""
    if not login.strip() or not password:
        return "Enter your e-mail address or username, and your password."
    try:
        account = await check_password(db, login, password)
    except Unauthorized as exc:
        return exc.message
    page.sign_in(account)
    return None


@router.get("/auth/sign_in")
async def sign_in_page(page: PageContext) -> Response:
    next_url = safe_next(page.request.query_params.get("next"))
    if page.signed_in:
        return page.redirect(next_url)
    return sign_in_form(page, next_url=next_url)


@router.post("/auth/sign_in")
async def sign_in(page: PageContext, db: DbSession) -> Response:
    fields = await form_fields(page.request)
    login, next_url = fields.get("login", ""), safe_next(fields.get("next"))
    if not page.csrf_ok(fields.get("csrf")):
        return sign_in_form(page, next_url=next_url, login=login, status=403,
                            error="Your session expired. Please sign in again.")
    error = await sign_in_with_password(page, db, login, fields.get("password", ""))
    if error is not None:
        return sign_in_form(page, next_url=next_url, login=login, error=error, status=422)
    return page.redirect(next_url)


@router.post("/auth/sign_out")
async def sign_out(page: PageContext) -> Response:
    fields = await form_fields(page.request)
    if not page.csrf_ok(fields.get("csrf")):
        return page.error(403, "Session expired",
                          "Your session expired. Reload the page and try again.")
    page.sign_out()
    return page.redirect("/")
