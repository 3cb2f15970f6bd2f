"""Helpers for the rate-limit tests: requests from a chosen address (X-Forwarded-For, which
uvicorn takes from a trusted proxy on 127.0.0.1), apps, sign-ups and tokens made through the
API, and whether the test Redis answers."""

from __future__ import annotations

import os
import socket

import httpx

PASSWORD = "correct horse battery"
REDIS_URL = os.environ.get("PARLEY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_answers() -> bool:
    """Whether the test Redis is a local one that answers PING."""
    if not REDIS_URL.startswith("redis://127.0.0.1"):
        return False
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def from_address(address: str, token: str | None = None) -> dict[str, str]:
    """Headers of a request from `address` (with a bearer token if given)."""
    headers = {"x-forwarded-for": address}
    return {**headers, "authorization": f"Bearer {token}"} if token else headers


def register_app(http: httpx.Client, address: str) -> dict[str, str]:
    response = http.post("/api/v1/apps", headers=from_address(address), data={
        "client_name": "limits", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
        "scopes": "read write"})
    assert response.status_code == 200, response.text
    return dict(response.json())


def sign_up(http: httpx.Client, app: dict[str, str], address: str, name: str
            ) -> httpx.Response:
    grant = http.post("/oauth/token", headers=from_address(address), data={
        "grant_type": "client_credentials", "client_id": app["client_id"],
        "client_secret": app["client_secret"], "scope": "read write"})
    assert grant.status_code == 200, grant.text
    return http.post("/api/v1/accounts",
                     headers=from_address(address, grant.json()["access_token"]),
                     data={"username": name, "email": f"{name}@example.com",
                           "password": PASSWORD, "agreement": "true"})


def user_token(http: httpx.Client, address: str, name: str) -> str:
    """A new account's first token."""
    response = sign_up(http, register_app(http, address), address, name)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def password_grant(http: httpx.Client, app: dict[str, str], address: str, login: str,
                   password: str) -> httpx.Response:
    return http.post("/oauth/token", headers=from_address(address), data={
        "grant_type": "password", "client_id": app["client_id"],
        "client_secret": app["client_secret"], "username": login, "password": password,
        "scope": "read write"})
