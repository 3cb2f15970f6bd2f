"""Web sessions end on the server (issue 17's finding: a cookie captured before sign-out still
posted, and a password change ended nothing): sign-out, a password change (other browsers, and
apps unless kept), "sign out everywhere else", and staff: a suspension or a disabled sign-in
ends every session and app token, and an admin can sign a user out everywhere."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from e2e.test_admin import make_staff
from support.clients import PASSWORD, Clients, SchemaLog, TestUser
from support.forms import form, submit
from support.oauth_flow import browser
from support.server import LiveServer


def _signed_in(tab: httpx.Client, user: TestUser) -> None:
    page = tab.get("/auth/sign_in")
    done = submit(tab, page.text, "/auth/sign_in", login=user.username, password=user.password)
    assert done.status_code == 303, done.text


def _is_signed_in(cookies: httpx.Cookies, server: LiveServer) -> bool:
    with httpx.Client(base_url=server.base_url, cookies=cookies, timeout=30) as other:
        return other.get("/settings/profile").status_code == 200


@pytest.fixture
def tabs(server: LiveServer) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    with browser(server) as first, browser(server) as second:
        yield first, second


def test_a_cookie_kept_from_before_sign_out_is_worthless(
        server: LiveServer, clients: Clients, tabs: tuple[httpx.Client, httpx.Client]) -> None:
    tab, _ = tabs
    user = clients.new_user("sess_out")
    _signed_in(tab, user)
    captured = httpx.Cookies(tab.cookies)
    assert _is_signed_in(captured, server)
    page = tab.get("/settings/profile")
    out = submit(tab, page.text, "/auth/sign_out")
    assert out.status_code == 303
    assert not _is_signed_in(captured, server)
    with httpx.Client(base_url=server.base_url, cookies=captured, timeout=30) as thief:
        compose = thief.get("/")
        assert 'action="/compose"' not in compose.text


def test_a_password_change_ends_other_sessions_and_apps(
        server: LiveServer, clients: Clients, tabs: tuple[httpx.Client, httpx.Client]) -> None:
    here, elsewhere = tabs
    user = clients.new_user("sess_pw")
    _signed_in(here, user)
    _signed_in(elsewhere, user)
    page = here.get("/settings/password")
    changed = submit(here, page.text, "/settings/password", current_password=user.password,
                     new_password="a much newer passphrase",
                     new_password_confirmation="a much newer passphrase")
    assert changed.status_code == 303, changed.text
    assert here.get("/settings/profile").status_code == 200
    assert elsewhere.get("/settings/profile").status_code != 200
    revoked = httpx.get(f"{server.base_url}/api/v1/accounts/verify_credentials",
                        headers={"authorization": f"Bearer {user.api.access_token}"})
    assert revoked.status_code == 401


def test_keeping_apps_through_a_password_change_and_signing_out_everywhere_else(
        server: LiveServer, clients: Clients, tabs: tuple[httpx.Client, httpx.Client]) -> None:
    here, elsewhere = tabs
    user = clients.new_user("sess_keep")
    _signed_in(here, user)
    _signed_in(elsewhere, user)
    page = here.get("/settings/password")
    changed = submit(here, page.text, "/settings/password", current_password=user.password,
                     new_password="another fine passphrase",
                     new_password_confirmation="another fine passphrase", keep_apps="1")
    assert changed.status_code == 303, changed.text
    kept = httpx.get(f"{server.base_url}/api/v1/accounts/verify_credentials",
                     headers={"authorization": f"Bearer {user.api.access_token}"})
    assert kept.status_code == 200
    _signed_in_with(elsewhere, user, "another fine passphrase")
    listing = here.get("/settings/sessions")
    assert listing.status_code == 200 and "this browser" in listing.text
    form(listing.text, "/settings/sessions/end_others")
    ended = submit(here, listing.text, "/settings/sessions/end_others")
    assert ended.status_code == 303
    assert here.get("/settings/profile").status_code == 200
    assert elsewhere.get("/settings/profile").status_code != 200


def _signed_in_with(tab: httpx.Client, user: TestUser, password: str) -> None:
    page = tab.get("/auth/sign_in")
    done = submit(tab, page.text, "/auth/sign_in", login=user.username, password=password)
    assert done.status_code == 303, done.text


def _token_works(server: LiveServer, user: TestUser) -> bool:
    return httpx.get(f"{server.base_url}/api/v1/accounts/verify_credentials",
                     headers={"authorization": f"Bearer {user.api.access_token}"}
                     ).status_code == 200


@pytest.mark.parametrize(("action", "undo"), [("suspend", "unsuspend"), ("disable", "enable")])
def test_suspending_or_disabling_signs_the_user_out_everywhere(
        server: LiveServer, clients: Clients, schema_log: SchemaLog, tmp_path: Path,
        tabs: tuple[httpx.Client, httpx.Client], action: str, undo: str) -> None:
    tab, _ = tabs
    user = clients.new_user(f"sess_{action}")
    _signed_in(tab, user)
    moderator = make_staff(server, tmp_path, schema_log, "moderator")
    moderator.admin_account_moderate(user.id, action)
    moderator.__getattribute__(f"admin_account_{undo}")(user.id)
    # Lifted again, yet nothing from before works: not the browser's session, not the app.
    assert tab.get("/settings/profile").status_code != 200
    assert not _token_works(server, user)
    _signed_in(tab, user)
    assert tab.get("/settings/profile").status_code == 200


def test_an_admin_signs_a_user_out_everywhere_from_the_report_page(
        server: LiveServer, clients: Clients, schema_log: SchemaLog, tmp_path: Path,
        tabs: tuple[httpx.Client, httpx.Client]) -> None:
    admin_tab, user_tab = tabs
    user, reporter = clients.new_user("sess_taken"), clients.new_user("sess_rep")
    _signed_in(user_tab, user)
    report = reporter.api.report(user.id, comment="this account was taken over")
    admin = make_staff(server, tmp_path, schema_log, "admin")
    moderator = make_staff(server, tmp_path, schema_log, "moderator")
    _staff_signed_in(admin_tab, admin.me()["username"])
    page = admin_tab.get(f"/admin/reports/{report['id']}")
    ended = submit(admin_tab, page.text, f"/admin/accounts/{user.id}/end_sessions")
    assert ended.status_code == 303, ended.text
    assert user_tab.get("/settings/profile").status_code != 200
    assert not _token_works(server, user)
    log = admin_tab.get("/admin/log")
    assert f"end sessions · account {user.username}" in " ".join(log.text.split())
    # Moderators (no "manage user access" permission) neither see the button nor may use it.
    with browser(server) as moderator_tab:
        _staff_signed_in(moderator_tab, moderator.me()["username"])
        page = moderator_tab.get(f"/admin/reports/{report['id']}")
        assert page.status_code == 200 and "/end_sessions" not in page.text
        refused = moderator_tab.post(f"/admin/accounts/{user.id}/end_sessions",
                                     data={"csrf": form(page.text, "/admin/accounts/"
                                                        f"{user.id}/action").fields["csrf"]})
        assert refused.status_code == 403


def _staff_signed_in(tab: httpx.Client, username: str) -> None:
    page = tab.get("/auth/sign_in")
    done = submit(tab, page.text, "/auth/sign_in", login=username, password=PASSWORD)
    assert done.status_code == 303, done.text
