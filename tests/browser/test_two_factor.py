"""Two-factor sign-in in a browser with JavaScript off: set it up from the QR page with a
code an authenticator app would show (pyotp here), sign out, sign in with a code, then with a
recovery code."""

from __future__ import annotations

from browser.helpers import PASSWORD, Browsers, Page, People, assert_accessible, screenshot
from support.two_factor import totp_code


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/")


def _password_step(page: Page, username: str) -> None:
    page.goto("/auth/sign_in")
    page.locator("#login").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Two-factor sign-in").wait_for()


def _code_step(page: Page, code: str) -> None:
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def test_two_factor_sign_in_with_a_code_then_a_recovery_code(
        browsers: Browsers, people: People) -> None:
    person = people.new("guarded")
    page = people.sign_in(browsers.page(javascript=False), person)
    page.goto("/settings/two-factor")
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    assert qr.evaluate("image => image.naturalWidth") > 0  # the SVG drew, with no script
    secret = page.locator("#two-factor-secret").inner_text().strip()
    page.get_by_label("Code from your app").fill(totp_code(secret))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    codes = [code.strip() for code in page.locator("ol.recovery-codes li").all_inner_texts()]
    assert len(codes) == 10
    assert "Two-factor sign-in is on." in page.locator("[role=status]").inner_text()
    _sign_out(page)

    _password_step(page, person.username)
    assert page.get_by_role("button", name="Sign out").count() == 0  # no session yet
    _code_step(page, totp_code(secret, steps_ahead=1))
    page.goto("/settings/two-factor")
    assert page.get_by_role("button", name="Turn off").count() == 1
    _sign_out(page)

    _password_step(page, person.username)
    _code_step(page, codes[0])
    assert page.get_by_role("button", name="Sign out").count() == 1
    _sign_out(page)
    _password_step(page, person.username)
    page.get_by_label("Code").fill(codes[0])  # spent
    page.get_by_role("button", name="Sign in").click()
    assert "Invalid two-factor code" in page.get_by_role("alert").inner_text()


def test_two_factor_pages_are_accessible(browsers: Browsers, people: People) -> None:
    page = people.sign_in(browsers.page(), people.new("axe_guard"))
    page.goto("/settings/two-factor")
    assert_accessible(page)
    screenshot(page, "two-factor-setup")
