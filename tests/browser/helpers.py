"""Helpers for the browser tests: people signing up and in, posting, API calls, waiting,
screenshots, axe."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from parley.web.session import COOKIE_NAME
from support.forms import submit

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PASSWORD = "correct horse battery"
_numbers = itertools.count(1)
T = TypeVar("T")

Page = Any  # playwright.sync_api.Page (kept loose: playwright is a test-only dependency)


class Browsers:
    """Opens browser contexts (separate people, separate cookies) and closes them after."""

    def __init__(self, browser: Any, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.contexts: list[Any] = []
        self.csp_errors: list[str] = []

    def page(self, *, javascript: bool = True, mobile: bool = False) -> Page:
        viewport = {"width": 390, "height": 844} if mobile else {"width": 1100, "height": 900}
        context = self.browser.new_context(base_url=self.base_url, viewport=viewport,
                                           java_script_enabled=javascript,
                                           color_scheme="light", locale="en-GB")
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", self._console)
        return page

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.csp_errors.append(message.text)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


SECRET_KEY = "browser-tests-secret-key"


@dataclass
class Person:
    username: str
    account_id: int
    token: str


class People:
    """Makes accounts through the API (fast) and signs browser pages in as them by minting
    the session cookie with the server's secret, which the tests chose. Signing up and in
    through the forms is tested on its own."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        app = httpx.post(f"{base_url}/api/v1/apps", data={
            "client_name": "browser tests", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
            "scopes": "read write follow"}).json()
        self.app_token = httpx.post(f"{base_url}/oauth/token", data={
            "grant_type": "client_credentials", "client_id": app["client_id"],
            "client_secret": app["client_secret"], "scope": "read write follow"}
        ).json()["access_token"]

    def new(self, prefix: str, display_name: str | None = None) -> Person:
        username = unique(prefix)
        token = httpx.post(f"{self.base_url}/api/v1/accounts", headers=self._auth(
            self.app_token), data={"username": username, "email": f"{username}@example.com",
                                   "password": PASSWORD, "agreement": "true"}
        ).json()["access_token"]
        account = httpx.patch(f"{self.base_url}/api/v1/accounts/update_credentials",
                              headers=self._auth(token),
                              data={"display_name": display_name or username}).json()
        return Person(username, int(account["id"]), token)

    @staticmethod
    def _auth(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def sign_in(self, page: Page, person: Person) -> Page:
        """Sign in through the sign-in form (sessions are kept on the server: a cookie
        made up here would name none), and hand the session's cookie to the browser."""
        with httpx.Client(base_url=self.base_url, timeout=30) as tab:
            form_page = tab.get("/auth/sign_in")
            done = submit(tab, form_page.text, "/auth/sign_in", login=person.username,
                          password=PASSWORD)
            assert done.status_code == 303, done.text
            cookie = tab.cookies[COOKIE_NAME]
        page.context.add_cookies([{"name": COOKIE_NAME, "value": cookie, "url": self.base_url,
                                   "httpOnly": True, "sameSite": "Lax"}])
        return page

    def api(self, person: Person, method: str, path: str, **data: Any) -> Any:
        response = httpx.request(method, f"{self.base_url}{path}", headers=self._auth(
            person.token), data=data or None, timeout=30)
        response.raise_for_status()
        return response.json()


def unique(prefix: str) -> str:
    return f"{prefix}{next(_numbers)}"


def sign_up(page: Page, username: str, *, display_name: str | None = None) -> str:
    """Create an account through the sign-up form; the page ends signed in on /."""
    page.goto("/auth/sign_up")
    page.locator("#username").fill(username)
    page.locator("#email").fill(f"{username}@example.com")
    page.locator("#password").fill(PASSWORD)
    page.locator("#password_confirmation").fill(PASSWORD)
    page.get_by_label("I accept the server rules").check()
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/")
    if display_name:
        page.goto("/settings/profile")
        page.get_by_label("Display name").fill(display_name)
        page.get_by_role("button", name="Save profile").click()
        page.get_by_text("Your profile was saved.").wait_for()
        page.goto("/")
    return username


def sign_in(page: Page, username: str) -> None:
    page.goto("/auth/sign_in")
    page.locator("#login").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the current page. The script is
    evaluated through the DevTools protocol, which the page's CSP does not govern."""
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ["violations"]});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical")]


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe violations on {page.url}: {violations}"




def post_from(page: Page, text: str, *, form: str = "form.compose") -> None:
    """Type into the first compose box on the page and submit it."""
    box = page.locator(form).first
    box.locator("textarea[name=text]").fill(text)
    box.locator("button[type=submit]").click()


def api_call(base_url: str, person: Person, method: str, path: str, **kwargs: Any) -> Any:
    """A Mastodon API call as `person` on the server at `base_url` (httpx's arguments:
    params, data, files); its JSON answer."""
    response = httpx.request(method, f"{base_url}{path}", timeout=30,
                             headers={"Authorization": f"Bearer {person.token}"}, **kwargs)
    response.raise_for_status()
    return response.json()


def until(probe: Callable[[], T | None], timeout: float = 30.0) -> T:
    """What `probe` gives once it gives something (asked every 0.2 s)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("not in time")


def follow_elsewhere(base_url: str, person: Person, handle: str) -> str:
    """`person` (on the server at `base_url`) follows someone on another server, found by
    handle; once accepted, that account's id on the person's server."""
    found = api_call(base_url, person, "GET", "/api/v2/search", params={
        "q": handle, "resolve": "true", "type": "accounts"})["accounts"]
    remote_id = str(found[0]["id"])
    api_call(base_url, person, "POST", f"/api/v1/accounts/{remote_id}/follow")
    until(lambda: api_call(base_url, person, "GET", "/api/v1/accounts/relationships",
                           params={"id[]": remote_id})[0]["following"])
    return remote_id
