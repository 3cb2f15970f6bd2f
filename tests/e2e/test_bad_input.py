"""A sweep of bad input over every API route the server publishes: never a 5xx, always a
clear {"error": ...} with a 4xx status."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from support.clients import Clients, TestUser

GARBAGE_BODIES: list[dict[str, Any]] = [
    {"content": b"{not json", "headers": {"content-type": "application/json"}},
    {"content": b"[1, 2, 3]", "headers": {"content-type": "application/json"}},
    {"json": {"status": 12, "visibility": ["x"], "limit": "many", "in_reply_to_id": {"a": 1},
              "id": None, "username": 5, "scopes": 7, "display_name": ["x"] * 3}},
    {"json": {"status": "nul\x00byte", "title": "\x00", "q": "a\x00", "name": "\x00"}},
    {"data": {"status": "x" * 70_000, "visibility": "everyone", "limit": "-5",
              "types[]": ["bogus"], "max_id": "abc", "locked": "maybe"}},
]
IDS = ["0", "99999999999", "abc", "-1", "1" * 30, "%00"]


def _routes(http: httpx.Client) -> list[tuple[str, str]]:
    spec = http.get("/openapi.json").json()
    routes = []
    for path, operations in spec["paths"].items():
        if not path.startswith(("/api/", "/oauth/")):
            continue
        routes.extend((method.upper(), path) for method in operations)
    return sorted(routes)


def _fill(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def _check(response: httpx.Response, where: str) -> None:
    assert response.status_code < 500, f"{where} -> {response.status_code}: {response.text}"
    if response.status_code >= 400 and "json" in response.headers.get("content-type", ""):
        body = response.json()
        assert isinstance(body, dict) and isinstance(body.get("error"), str), (where, body)


@pytest.fixture(scope="module")
def victim(clients: Clients) -> TestUser:
    return clients.new_user("badinput")


def test_every_route_survives_bad_input(clients: Clients, http: httpx.Client,
                                        victim: TestUser) -> None:
    token = victim.api.access_token
    auth = {"authorization": f"Bearer {token}"}
    for method, path in _routes(http):
        ids = IDS if "{" in path else ["-"]
        for raw_id in ids:
            url = _fill(path, raw_id)
            for headers in ({}, {"authorization": "Bearer nonsense"}, auth):
                if method == "GET":
                    response = http.get(url, headers=headers,
                                        params={"limit": "x", "max_id": "y", "q": "\x00"})
                    _check(response, f"GET {url}")
                    continue
                for body in GARBAGE_BODIES:
                    extra_headers = {**headers, **body.get("headers", {})}
                    kwargs = {k: v for k, v in body.items() if k != "headers"}
                    response = http.request(method, url, headers=extra_headers, **kwargs)
                    _check(response, f"{method} {url} {list(kwargs)}")


def test_missing_and_bad_tokens(http: httpx.Client, victim: TestUser) -> None:
    for headers in ({}, {"authorization": "Bearer nonsense"}, {"authorization": "Basic abc"}):
        response = http.get("/api/v1/accounts/verify_credentials", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]
    response = http.get("/api/v1/accounts/verify_credentials",
                        params={"access_token": victim.api.access_token})
    assert response.status_code == 200


def test_unknown_routes_are_json_404(http: httpx.Client) -> None:
    response = http.get("/api/v1/no_such_thing")
    assert response.status_code == 404
    assert response.json() == {"error": "Record not found"}
    response = http.delete("/api/v1/instance")
    assert response.status_code in (404, 405)
    assert "error" in response.json()
