"""HTML rendering: the Jinja2 environment, security headers, and the per-request Page context
(settings, web session, signed-in account) every web route receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import HTMLResponse, RedirectResponse, Response

from parley.accounts import sessions
from parley.accounts.links import is_link
from parley.accounts.models import Account
from parley.config import Settings
from parley.errors import Forbidden, Unauthorized
from parley.http.deps import AppSettings, DbSession
from parley.lib.html import sanitise
from parley.lib.timefmt import as_utc, iso, utcnow
from parley.store.database import Database
from parley.waiting.service import count_waiting
from parley.web.emojis import with_emojis
from parley.web.gallery import gallery, stored_url
from parley.web.session import WebSession, csrf_token, csrf_valid, read_session, set_cookie

TEMPLATES_DIR = Path(__file__).parent / "templates"
# frame-ancestors: the consent page must never be framed (click-jacking). No form-action:
# Chromium applies it to the redirect to a client's redirect_uri after consent.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' https: data:; "
                               "media-src 'self' https:; "
                               "script-src 'self'; style-src 'self'; connect-src 'self'; "
                               "object-src 'none'; base-uri 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _safe_html(markup: str | None) -> Markup:
    """Stored HTML (post content, bios) is cleaned again on the way out: defence in depth."""
    return Markup(sanitise(markup or ""))


def _safe_url(url: str | None) -> str:
    """Links from stored data only to web pages: never javascript: or data: URLs."""
    if url and (url.startswith(("https://", "http://")) or
                (url.startswith("/") and not url.startswith("//"))):
        return url
    return "#"


def _when(moment: datetime | None) -> str:
    return "" if moment is None else as_utc(moment).strftime("%d %b %Y, %H:%M UTC")


def _ago(moment: datetime | None) -> str:
    """A short relative time ("5m", "3h", "2d"); the full date sits in the title."""
    if moment is None:
        return ""
    seconds = max(0, int((utcnow() - as_utc(moment)).total_seconds()))
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return "now"


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR),
                      autoescape=select_autoescape(["html"], default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["safe_html"] = _safe_html
    env.filters["when"] = _when
    env.filters["safe_url"] = _safe_url
    env.filters["iso"] = iso
    env.filters["ago"] = _ago
    env.globals["gallery"] = gallery  # a post's attachments (web/gallery.py)
    env.globals["stored_url"] = stored_url  # a stored file's URL (a link card's image)
    env.globals["with_emojis"] = with_emojis  # custom emoji images in a post's content
    env.tests["link"] = is_link  # a profile field's value shown as a link (as the API does)
    return env


def html_response(content: str, *, status: int = 200) -> HTMLResponse:
    return HTMLResponse(content, status_code=status, headers=SECURITY_HEADERS)


@dataclass
class Page:
    """One HTML request: who is signed in, and the session cookie to send back if it changed."""

    request: Request
    settings: Settings
    session: WebSession | None
    account: Account | None
    lang: str = "en"
    waiting: int = 0
    # Set when rendering for another page (live fragments): where its forms come back to.
    return_to: str | None = None
    _cookie_changed: bool = field(default=False)

    @property
    def signed_in(self) -> bool:
        return self.account is not None

    @property
    def db(self) -> Database:
        """The store, for a route that opens its own transactions (PageApart)."""
        database: Database = self.request.app.state.db
        return database

    @property
    def is_htmx(self) -> bool:
        """htmx asks for a fragment; without JavaScript the same route answers a page."""
        return self.request.headers.get("hx-request") == "true"

    @property
    def here(self) -> str:
        """This page's path and query: where a form on it comes back to."""
        if self.return_to is not None:
            return self.return_to
        query = self.request.url.query
        return self.request.url.path + (f"?{query}" if query else "")

    def require_account(self) -> Account:
        """The signed-in account; signed-out visitors are sent to sign in (see WebRoute)."""
        if self.account is None:
            raise Unauthorized("Sign in to continue")
        return self.account

    def require_csrf(self, fields: dict[str, str]) -> None:
        """Forms that change something must carry this session's token."""
        if not self.csrf_ok(fields.get("csrf")):
            raise Forbidden("Your session expired. Reload the page and try again.")

    def csrf(self) -> str:
        """The token for a form on this page, starting an anonymous session if need be."""
        if self.session is None:
            self.session = WebSession.new()
            self._cookie_changed = True
        return csrf_token(self.settings, self.session)

    def csrf_ok(self, token: str | None) -> bool:
        # A session made during this request cannot have issued the submitted token.
        return not self._cookie_changed and csrf_valid(self.settings, self.session, token)

    async def sign_in(self, db: AsyncSession, account: Account) -> None:
        """A fresh session id on every sign-in (no session fixation), kept on the server so
        that it can end."""
        self.session = WebSession.new(account.id)
        await sessions.open_session(
            db, sid=self.session.sid, account_id=account.id,
            user_agent=self.request.headers.get("user-agent", ""),
            address=self.request.client.host if self.request.client else "")
        self.account = account
        self._cookie_changed = True

    async def sign_out(self, db: AsyncSession) -> None:
        """The session ends on the server too: its cookie, if kept or stolen, is worthless."""
        if self.session is not None:
            await sessions.end_session(db, sid=self.session.sid)
        self.session = WebSession.new()
        self.account = None
        self._cookie_changed = True

    def _finish(self, response: Response) -> Response:
        if self._cookie_changed and self.session is not None:
            set_cookie(response, self.settings, self.session)
        return response

    def render(self, template: str, *, status: int = 200, **context: Any) -> Response:
        body = environment().get_template(template).render(page=self, **context)
        return self._finish(html_response(body, status=status))

    def render_text(self, template: str, **context: Any) -> str:
        return environment().get_template(template).render(page=self, **context)

    def error(self, status: int, title: str, message: str) -> Response:
        return self.render("error.html", status=status, title=title, message=message)

    def not_found(self) -> Response:
        return self.error(404, "Not found",
                          "This page does not exist, or it is not public.")

    def redirect(self, url: str, *, status: int = 303) -> Response:
        response = RedirectResponse(url, status_code=status)
        response.headers["Cache-Control"] = "no-store"
        return self._finish(response)


async def _signed_in_account(db: DbSession, session: WebSession | None) -> Account | None:
    if session is None or session.account_id is None:
        return None
    return await sessions.signed_in_account(db, sid=session.sid, account_id=session.account_id)


async def _page(request: Request, db: DbSession, settings: AppSettings) -> Page:
    session = read_session(request, settings)
    account = await _signed_in_account(db, session)
    lang = request.query_params.get("lang", "")
    page = Page(request=request, settings=settings, session=session, account=account,
                lang=lang if lang.isalpha() and 2 <= len(lang) <= 3 else "en")
    if account is not None:
        page.waiting = await count_waiting(db, viewer_id=account.id)
    request.state.page = page  # for error pages rendered outside the route (WebRoute)
    return page


PageContext = Annotated[Page, Depends(_page)]


async def _page_apart(request: Request, settings: AppSettings) -> Page:
    """The Page, read in a short transaction of its own, for a route that opens its own
    transactions (page.db) after waiting on other servers: none is held open meanwhile."""
    db: Database = request.app.state.db
    async with db.read() as session:
        return await _page(request, session, settings)


PageApart = Annotated[Page, Depends(_page_apart)]
