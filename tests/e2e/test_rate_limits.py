"""Mastodon's rate limits (http/ratelimit.py) on servers of their own (the shared test server
runs without: every test client is 127.0.0.1). Addresses are varied with X-Forwarded-For,
which uvicorn takes from a proxy on 127.0.0.1 (trusted by default: PARLEY_TRUSTED_PROXIES), as
it would from a real one."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support.forms import form, submit
from support.limits import (
    PASSWORD,
    REDIS_URL,
    from_address,
    password_grant,
    redis_answers,
    register_app,
    sign_up,
    user_token,
)
from support.server import LiveServer, fresh_database, run_server
from support.two_factor import enable_two_factor, totp_code


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with run_server(tmp_path_factory.mktemp("limited"),
                    extra_env={"PARLEY_RATE_LIMITS": "1"}) as server:
        yield server


def test_a_token_has_300_requests_per_five_minutes(limited: LiveServer) -> None:
    with httpx.Client(base_url=limited.base_url, timeout=10) as http:
        token = user_token(http, "10.1.0.1", "tokenbudget")
        for expected_remaining in range(299, -1, -1):
            response = http.get("/api/v1/timelines/home", headers=from_address("10.1.0.1", token))
            assert response.status_code == 200, response.text
            assert response.headers["x-ratelimit-limit"] == "300"
            assert response.headers["x-ratelimit-remaining"] == str(expected_remaining)
        refused = http.get("/api/v1/timelines/home", headers=from_address("10.1.0.2", token))
        assert refused.status_code == 429
        assert refused.json() == {"error": "Too many requests"}
        assert refused.headers["x-ratelimit-remaining"] == "0"
        assert refused.headers["x-ratelimit-reset"].endswith("Z")
        # The budget is the token's: another address with it is refused, without it served.
        assert http.get("/api/v1/instance", headers=from_address("10.1.0.2")).status_code == 200


def test_the_password_grant_is_limited_per_account_whatever_the_login_spelling(
        limited: LiveServer) -> None:
    with httpx.Client(base_url=limited.base_url, timeout=10) as http:
        user_token(http, "10.2.0.1", "guessed")
        app = register_app(http, "10.2.0.1")
        for attempt in range(25):
            login = "guessed" if attempt % 2 else "guessed@example.com"
            wrong = password_grant(http, app, f"10.2.1.{attempt}", login, f"guess{attempt}")
            assert wrong.status_code == 400, wrong.text
        right = password_grant(http, app, "10.2.2.1", "GUESSED@example.com", PASSWORD)
        assert right.status_code == 429, right.text
        assert "Too many failed sign-in attempts" in right.json()["error"]


def test_one_address_gets_25_token_grants_per_five_minutes(limited: LiveServer) -> None:
    with httpx.Client(base_url=limited.base_url, timeout=10) as http:
        app = register_app(http, "10.3.0.1")
        for _ in range(25):
            grant = password_grant(http, app, "10.3.0.2", "nobody@example.com", "x")
            assert grant.status_code == 400
        assert password_grant(http, app, "10.3.0.2", "nobody@example.com",
                               "x").status_code == 429


def test_one_address_gets_five_sign_ups_per_half_hour(limited: LiveServer) -> None:
    with httpx.Client(base_url=limited.base_url, timeout=10) as http:
        app = register_app(http, "10.4.0.1")
        for number in range(5):
            assert sign_up(http, app, "10.4.0.1", f"signup{number}").status_code == 200
        refused = sign_up(http, app, "10.4.0.1", "signup5")
        assert refused.status_code == 429
        assert sign_up(http, app, "10.4.0.2", "signup6").status_code == 200


def test_ipv6_addresses_share_their_64_and_unauthenticated_calls_have_300(
        limited: LiveServer) -> None:
    with httpx.Client(base_url=limited.base_url, timeout=10) as http:
        for number in range(300):
            address = f"2001:db8:5:5::{number:x}"
            response = http.get("/api/v1/instance", headers=from_address(address))
            assert response.status_code == 200, response.text
        refused = http.get("/api/v1/instance", headers=from_address("2001:db8:5:5:ffff::1"))
        assert refused.status_code == 429
        assert http.get("/api/v1/instance",
                        headers=from_address("2001:db8:5:6::1")).status_code == 200


@pytest.mark.skipif(not redis_answers(), reason="needs Redis on 127.0.0.1")
def test_two_processes_with_redis_share_one_budget(tmp_path: Path) -> None:
    env = {"PARLEY_RATE_LIMITS": "1", "PARLEY_REDIS_URL": REDIS_URL,
           "PARLEY_REDIS_PREFIX": f"test-limits-{secrets.token_hex(4)}"}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with fresh_database(tmp_path / "a") as first_db, fresh_database(tmp_path / "b") as second_db, \
            run_server(tmp_path / "a", extra_env=env, database_url=first_db) as first, \
            run_server(tmp_path / "b", extra_env=env, database_url=second_db) as second, \
            httpx.Client(timeout=10) as http:
        for number in range(300):
            server = first if number % 2 else second
            response = http.get(f"{server.base_url}/api/v1/instance",
                                headers=from_address("10.9.0.1"))
            assert response.status_code == 200, response.text
        assert http.get(f"{first.base_url}/api/v1/instance",
                        headers=from_address("10.9.0.1")).status_code == 429
        assert http.get(f"{second.base_url}/api/v1/instance",
                        headers=from_address("10.9.0.1")).status_code == 429


def test_wrong_two_factor_codes_count_as_failed_sign_ins(limited: LiveServer) -> None:
    with httpx.Client(base_url=limited.base_url, timeout=10,
                      headers=from_address("10.16.0.1")) as tab:
        user_token(tab, "10.16.0.1", "twofactor")
        page = tab.get("/auth/sign_in")
        assert submit(tab, page.text, "/auth/sign_in", login="twofactor",
                      password=PASSWORD).status_code == 303
        secret, _codes = enable_two_factor(tab, PASSWORD)
    with httpx.Client(base_url=limited.base_url, timeout=10) as other:
        page = other.get("/auth/sign_in", headers=from_address("10.16.0.2"))
        asked = submit(other, page.text, "/auth/sign_in", login="twofactor", password=PASSWORD)
        fields = form(asked.text, "/auth/sign_in/code").fields
        wrong = totp_code(secret, steps_ahead=5)  # a real code, of a step too far ahead
        for attempt in range(25):
            refused = other.post("/auth/sign_in/code", headers=from_address(f"10.16.1.{attempt}"),
                                 data={**fields, "code": wrong})
            assert refused.status_code == 422, refused.text
        right = other.post("/auth/sign_in/code", headers=from_address("10.16.2.1"),
                           data={**fields, "code": totp_code(secret, steps_ahead=1)})
        assert right.status_code == 429 and "Too many failed sign-in attempts" in right.text


def _remaining(http: httpx.Client, forwarded_for: str) -> int:
    """What the caller's unauthenticated address budget has left after one more request."""
    response = http.get("/api/v1/instance", headers={"x-forwarded-for": forwarded_for})
    assert response.status_code == 200, response.text
    return int(response.headers["x-ratelimit-remaining"])


def test_a_trusted_proxy_names_the_client_but_cannot_be_spoofed_past(
        limited: LiveServer) -> None:
    with httpx.Client(base_url=limited.base_url, timeout=10) as http:
        # The proxy (127.0.0.1, trusted by default) appends the address it saw; whatever the
        # client wrote before it is not believed.
        assert _remaining(http, "10.6.0.1") == 299
        assert _remaining(http, "198.51.100.1, 10.6.0.1") == 298
        assert _remaining(http, "198.51.100.2, 10.6.0.1") == 297
        assert _remaining(http, "10.6.0.2") == 299


def test_forwarded_addresses_from_an_untrusted_peer_are_ignored(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    env = {"PARLEY_RATE_LIMITS": "1", "PARLEY_TRUSTED_PROXIES": "192.0.2.10,10.250.0.0/16"}
    with run_server(tmp_path_factory.mktemp("untrusted"), extra_env=env) as server, \
            httpx.Client(base_url=server.base_url, timeout=10) as http:
        # 127.0.0.1 is no proxy of this server: every request is its own, whatever it claims
        # (the start-up check spent one already).
        assert _remaining(http, "10.7.0.1") == 298
        assert _remaining(http, "10.7.0.2") == 297
        assert _remaining(http, "10.250.0.9, 10.7.0.3") == 296
