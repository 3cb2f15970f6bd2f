"""Two-factor sign-in (issue 17, item 3): set up in settings with a current code and the
password, ten recovery codes shown once; signing in then asks for a code, and nothing is
signed in before it; a code or a recovery code works once; the OAuth consent page goes
through the same two steps; the password grant refuses such accounts, as Mastodon does."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from support.clients import Clients, TestUser
from support.forms import form, submit
from support.oauth_flow import REDIRECT, browser, redirect_params, register_app
from support.server import LiveServer
from support.two_factor import RECOVERY_CODE, enable_two_factor, totp_code


@pytest.fixture
def tab(server: LiveServer) -> Iterator[httpx.Client]:
    with browser(server) as opened:
        yield opened


def _signed_in(tab: httpx.Client, user: TestUser) -> None:
    page = tab.get("/auth/sign_in")
    done = submit(tab, page.text, "/auth/sign_in", login=user.username, password=user.password)
    assert done.status_code == 303, done.text


def _is_signed_in(tab: httpx.Client) -> bool:
    return tab.get("/settings/profile").status_code == 200


def _enable(tab: httpx.Client, user: TestUser) -> tuple[str, list[str]]:
    return enable_two_factor(tab, user.password)


def _password_step(tab: httpx.Client, user: TestUser, next_url: str = "/") -> httpx.Response:
    page = tab.get("/auth/sign_in", params={"next": next_url})
    asked = submit(tab, page.text, "/auth/sign_in", login=user.username,
                   password=user.password)
    assert asked.status_code == 200, asked.text
    form(asked.text, "/auth/sign_in/code")
    return asked


def test_setting_up_needs_a_current_code_and_the_password(
        clients: Clients, tab: httpx.Client) -> None:
    user = clients.new_user("tf_setup")
    _signed_in(tab, user)
    page = tab.get("/settings/two-factor")
    assert 'src="data:image/svg+xml' in page.text  # the QR code, with no script
    secret = re.search(r'id="two-factor-secret">([A-Z2-7]+)<', page.text)
    assert secret is not None
    wrong_code = submit(tab, page.text, "/settings/two-factor/enable", code="000000",
                        password=user.password)
    wrong_password = submit(tab, page.text, "/settings/two-factor/enable",
                            code=totp_code(secret.group(1)), password="not my password")
    forged = submit(tab, page.text, "/settings/two-factor/enable", secret="forged",
                    code=totp_code(secret.group(1)), password=user.password)
    assert (wrong_code.status_code, wrong_password.status_code, forged.status_code) == (
        422, 422, 422)
    assert "not right" in wrong_code.text and "Invalid e-mail address or password" in (
        wrong_password.text)
    assert "Turn on two-factor sign-in" in tab.get("/settings/two-factor").text
    _secret, codes = _enable(tab, user)
    again = tab.get("/settings/two-factor")
    assert "Turn off" in again.text and not any(code in again.text for code in codes)


def test_signing_in_asks_for_a_code_and_opens_no_session_before_it(
        server: LiveServer, clients: Clients, tab: httpx.Client) -> None:
    user = clients.new_user("tf_sign_in")
    _signed_in(tab, user)
    secret, _codes = _enable(tab, user)
    with browser(server) as other:
        asked = _password_step(other, user)
        assert not _is_signed_in(other)
        wrong = submit(other, asked.text, "/auth/sign_in/code", code="123456")
        assert wrong.status_code == 422 and "Invalid two-factor code" in wrong.text
        assert not _is_signed_in(other)
        code = totp_code(secret, steps_ahead=1)
        done = submit(other, wrong.text, "/auth/sign_in/code", code=code)
        assert done.status_code == 303, done.text
        assert _is_signed_in(other)
    with browser(server) as third:  # the same code, a second time: refused
        asked = _password_step(third, user)
        reused = submit(third, asked.text, "/auth/sign_in/code", code=code)
        assert reused.status_code == 422 and not _is_signed_in(third)


def test_the_pending_sign_in_is_bound_to_its_browser_and_cannot_be_forged(
        server: LiveServer, clients: Clients, tab: httpx.Client) -> None:
    user = clients.new_user("tf_bound")
    _signed_in(tab, user)
    secret, _codes = _enable(tab, user)
    with browser(server) as mine, browser(server) as thief:
        asked = _password_step(mine, user)
        token = form(asked.text, "/auth/sign_in/code").fields["token"]
        theirs = thief.get("/auth/sign_in")
        csrf = form(theirs.text, "/auth/sign_in").fields["csrf"]
        next_code = totp_code(secret, steps_ahead=1)
        replayed = thief.post("/auth/sign_in/code", data={
            "csrf": csrf, "token": token, "code": next_code})
        forged = submit(mine, asked.text, "/auth/sign_in/code", token=token[:-6] + "AAAAAA",
                        code=next_code)
        assert (replayed.status_code, forged.status_code) == (403, 403)
        assert not _is_signed_in(thief)
        done = submit(mine, asked.text, "/auth/sign_in/code", code=next_code)
        assert done.status_code == 303 and _is_signed_in(mine)


def test_a_recovery_code_signs_in_once(
        server: LiveServer, clients: Clients, tab: httpx.Client) -> None:
    user = clients.new_user("tf_recovery")
    _signed_in(tab, user)
    _secret, codes = _enable(tab, user)
    with browser(server) as other:
        asked = _password_step(other, user)
        done = submit(other, asked.text, "/auth/sign_in/code", code=codes[3].upper())
        assert done.status_code == 303, done.text
    with browser(server) as again:
        asked = _password_step(again, user)
        spent = submit(again, asked.text, "/auth/sign_in/code", code=codes[3])
        assert spent.status_code == 422
        other_code = submit(again, spent.text, "/auth/sign_in/code", code=codes[4])
        assert other_code.status_code == 303


def test_the_oauth_consent_page_signs_in_with_both_steps(
        server: LiveServer, clients: Clients, tab: httpx.Client) -> None:
    user = clients.new_user("tf_oauth")
    _signed_in(tab, user)
    secret, _codes = _enable(tab, user)
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        app = register_app(http)
    params = {"client_id": app["client_id"], "redirect_uri": REDIRECT,
              "response_type": "code", "scope": "read"}
    with browser(server) as other:
        page = other.get("/oauth/authorize", params=params)
        asked = submit(other, page.text, "/auth/sign_in", login=user.username,
                       password=user.password)
        assert asked.status_code == 200
        assert other.get("/oauth/authorize", params=params).text.count(
            'action="/auth/sign_in"') == 1  # still signed out: the consent page is not shown
        done = submit(other, asked.text, "/auth/sign_in/code",
                      code=totp_code(secret, steps_ahead=1))
        assert done.status_code == 303 and done.headers["location"].startswith(
            "/oauth/authorize?")
        consent = other.get(done.headers["location"])
        approved = submit(other, consent.text, "/oauth/authorize", decision="approve")
        assert redirect_params(approved)["code"]


def test_the_password_grant_is_refused_as_mastodon_does(
        server: LiveServer, clients: Clients, tab: httpx.Client) -> None:
    user = clients.new_user("tf_grant")
    _signed_in(tab, user)
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        app = register_app(http)

        def grant(password: str) -> httpx.Response:
            return http.post("/oauth/token", data={
                "grant_type": "password", "client_id": app["client_id"],
                "client_secret": app["client_secret"], "username": f"{user.username}"
                "@example.com", "password": password, "scope": "read"})

        assert grant(user.password).status_code == 200
        _enable(tab, user)
        refused, wrong = grant(user.password), grant("not the password")
    assert refused.status_code == 400 and refused.json() == wrong.json()
    assert refused.json()["error"] == "invalid_grant"


def test_turning_it_off_needs_the_password_and_a_code(
        server: LiveServer, clients: Clients, tab: httpx.Client) -> None:
    user = clients.new_user("tf_off")
    _signed_in(tab, user)
    secret, codes = _enable(tab, user)
    page = tab.get("/settings/two-factor")
    no_code = submit(tab, page.text, "/settings/two-factor/disable", password=user.password,
                     code="000000")
    assert no_code.status_code == 422
    renewed = submit(tab, page.text, "/settings/two-factor/recovery_codes",
                     password=user.password, code=totp_code(secret, steps_ahead=1))
    new_codes = RECOVERY_CODE.findall(renewed.text)
    assert renewed.status_code == 200 and len(new_codes) == 10
    assert not set(new_codes) & set(codes)
    old_code = submit(tab, page.text, "/settings/two-factor/disable", password=user.password,
                      code=codes[0])
    assert old_code.status_code == 422  # the old recovery codes stopped working
    off = submit(tab, page.text, "/settings/two-factor/disable", password=user.password,
                 code=new_codes[0])
    assert off.status_code == 303, off.text
    assert "Two-factor sign-in is off" in tab.get(off.headers["location"]).text
    with browser(server) as other:
        _signed_in(other, user)


def test_junk_in_the_code_forms_answers_4xx(server: LiveServer, clients: Clients,
                                            tab: httpx.Client) -> None:
    user = clients.new_user("tf_junk")
    with browser(server) as stranger:
        for data in ({}, {"token": "x" * 5000, "code": "1"}, {"token": "☃", "code": "☃"}):
            answer = stranger.post("/auth/sign_in/code", data=data)
            assert answer.status_code == 403 and "text/html" in answer.headers["content-type"]
    _signed_in(tab, user)
    _enable(tab, user)
    page = tab.get("/settings/two-factor")
    for code in ("", "x" * 9000, "\N{FULLWIDTH DIGIT ONE}" * 6, "' OR 1=1 --"):
        answer = submit(tab, page.text, "/settings/two-factor/disable",
                        password=user.password, code=code)
        assert answer.status_code == 422, answer.text
    assert "Turn off" in tab.get("/settings/two-factor").text
