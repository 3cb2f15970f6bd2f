"""CORS as Mastodon answers it: any origin, never credentials, on the API, the OAuth token
endpoints and the discovery documents; never on the web UI's pages and forms. And HEAD
answered wherever GET is."""

from __future__ import annotations

import httpx
import pytest

from support.clients import TestUser

ORIGIN = "http://127.0.0.1:9"
EXPOSED = {"link", "x-ratelimit-reset", "x-ratelimit-limit", "x-ratelimit-remaining",
           "x-request-id", "idempotency-key", "mastodon-async-refresh"}


def _preflight(http: httpx.Client, path: str, method: str, headers: str
               ) -> httpx.Response:
    return http.options(path, headers={"Origin": ORIGIN,
                                       "Access-Control-Request-Method": method,
                                       "Access-Control-Request-Headers": headers})


@pytest.mark.parametrize("path, method", [
    ("/api/v1/apps", "POST"), ("/api/v1/timelines/home", "GET"),
    ("/api/v1/statuses", "POST"), ("/api/v1/statuses/1", "DELETE"),
    ("/api/v1/accounts/update_credentials", "PATCH"), ("/api/v1/streaming/user", "GET"),
    ("/oauth/token", "POST"), ("/oauth/revoke", "POST"), ("/oauth/userinfo", "GET"),
    ("/.well-known/nodeinfo", "GET"), ("/nodeinfo/2.0", "GET"),
])
def test_preflight_is_answered(http: httpx.Client, path: str, method: str) -> None:
    response = _preflight(http, path, method, "authorization, content-type, idempotency-key")
    assert response.status_code in (200, 204), response.text
    assert response.headers["access-control-allow-origin"] == "*"
    assert method in response.headers["access-control-allow-methods"]
    allowed = {h.strip().lower() for h in response.headers["access-control-allow-headers"]
               .split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed
    assert int(response.headers["access-control-max-age"]) > 0
    assert "access-control-allow-credentials" not in response.headers


def test_responses_allow_any_origin_and_expose_paging(http: httpx.Client,
                                                      new_user: type[TestUser]) -> None:
    user = new_user("corsread")
    for path in ("/api/v1/instance", "/api/v2/instance", "/.well-known/nodeinfo"):
        response = http.get(path, headers={"Origin": ORIGIN})
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in response.headers
    # A fast route (served by the edge's table) answers the same way as FastAPI's.
    home = http.get("/api/v1/timelines/home", headers={
        "Origin": ORIGIN, "Authorization": f"Bearer {user.api.access_token}"})
    assert home.status_code == 200
    assert home.headers["access-control-allow-origin"] == "*"
    exposed = {h.strip().lower() for h in home.headers["access-control-expose-headers"]
               .split(",")}
    assert exposed == EXPOSED
    # Errors too: a browser client must be able to read a 401 or 404.
    missing = http.get("/api/v1/statuses/999999999", headers={"Origin": ORIGIN})
    assert missing.status_code == 404
    assert missing.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("path", ["/", "/auth/sign_in", "/auth/sign_up", "/oauth/authorize",
                                  "/settings"])
def test_web_pages_and_forms_get_no_cors(http: httpx.Client, path: str) -> None:
    response = http.get(path, headers={"Origin": ORIGIN})
    assert not [h for h in response.headers if h.startswith("access-control-")]
    preflight = _preflight(http, path, "POST", "content-type")
    assert not [h for h in preflight.headers if h.startswith("access-control-")]


def test_without_an_origin_no_cors_headers(http: httpx.Client) -> None:
    response = http.get("/api/v1/instance")
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize("path", ["/", "/api/v1/instance", "/api/v2/instance",
                                  "/api/v1/timelines/public", "/.well-known/nodeinfo",
                                  "/auth/sign_in", "/api/v1/streaming/health"])
def test_head_is_answered_wherever_get_is(http: httpx.Client, path: str) -> None:
    got = http.get(path)
    head = http.head(path)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert "date" in head.headers
    assert head.headers["content-type"] == got.headers["content-type"]


def test_head_on_a_fast_route_and_a_stream(http: httpx.Client,
                                           new_user: type[TestUser]) -> None:
    user = new_user("corshead")
    auth = {"Authorization": f"Bearer {user.api.access_token}"}
    home = http.head("/api/v1/timelines/home", headers=auth)
    assert home.status_code == 200 and home.content == b""
    assert http.head("/api/v1/timelines/home").status_code == 401
    stream = http.head("/api/v1/streaming/user", headers=auth)
    assert stream.status_code == 200 and stream.content == b""


def test_a_refused_request_is_readable_cross_origin(http: httpx.Client) -> None:
    refused = http.get("/api/v1/timelines/public?max_id=%00", headers={"Origin": ORIGIN})
    assert refused.status_code == 400
    assert refused.headers["access-control-allow-origin"] == "*"
    assert "error" in refused.json()
