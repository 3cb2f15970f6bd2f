"""OAuth helpers for tests: registering apps, PKCE pairs, and driving the authorisation
pages the way a person's browser would."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import create_async_engine

from parley.lib.timefmt import utcnow
from parley.oauth.models import AccessToken
from parley.oauth.tokens import digest
from parley.store.dialect import engine_url
from support.forms import submit
from support.server import LiveServer

if TYPE_CHECKING:
    from support.clients import TestUser

# Never contacted: the tests read the code from the redirect's Location header.
REDIRECT = "http://127.0.0.1:9/callback"
OOB = "urn:ietf:wg:oauth:2.0:oob"
SCOPES = ["read", "write", "follow", "push"]


def register_app(http: httpx.Client, *, scopes: str = "read write follow push",
                 redirect_uris: str = REDIRECT) -> dict[str, Any]:
    response = http.post("/api/v1/apps", data={"client_name": "OAuth test app",
                                               "redirect_uris": redirect_uris,
                                               "scopes": scopes,
                                               "website": "https://app.example"})
    assert response.status_code == 200, response.text
    app: dict[str, Any] = response.json()
    return app


def pkce_s256() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.decode().rstrip("=")


@contextmanager
def browser(server: LiveServer) -> Iterator[httpx.Client]:
    """A cookie-keeping client that does not follow redirects, like a user's browser tab."""
    with httpx.Client(base_url=server.base_url, timeout=30, follow_redirects=False) as client:
        yield client


def sign_in_to_consent(tab: httpx.Client, user: TestUser, params: dict[str, str]
                       ) -> httpx.Response:
    """Open the authorize page signed out, sign in, and land on the consent page."""
    page = tab.get("/oauth/authorize", params=params)
    assert page.status_code == 200, page.text
    assert "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    signed_in = submit(tab, page.text, "/auth/sign_in", login=user.username,
                       password=user.password)
    assert signed_in.status_code == 303, signed_in.text
    assert signed_in.headers["location"].startswith("/oauth/authorize?")
    cookie = signed_in.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    consent = tab.get(signed_in.headers["location"])
    assert consent.status_code == 200, consent.text
    return consent


def redirect_params(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?"), location
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def authorize_params(app: dict[str, Any], **extra: str) -> dict[str, str]:
    return {"response_type": "code", "client_id": app["client_id"], "redirect_uri": REDIRECT,
            "scope": "read write", "state": "xyz-123", **extra}


def get_code(server: LiveServer, user: TestUser, params: dict[str, str]) -> str:
    with browser(server) as tab:
        consent = sign_in_to_consent(tab, user, params)
        approved = submit(tab, consent.text, "/oauth/authorize", decision="approve")
    query = redirect_params(approved)
    assert query["state"] == params["state"]
    return query["code"]


def exchange(http: httpx.Client, app: dict[str, Any], **fields: str) -> httpx.Response:
    return http.post("/oauth/token", data={
        "grant_type": "authorization_code", "client_id": app["client_id"],
        "client_secret": app["client_secret"], "redirect_uri": REDIRECT, **fields})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def expire_token(server: LiveServer, token: str) -> None:
    """Age a token in the server's database, as if its lifetime had run out."""

    async def run() -> None:
        engine = create_async_engine(engine_url(server.database_url))
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    update(AccessToken).where(AccessToken.token_hash == digest(token))
                    .values(expires_at=utcnow() - timedelta(minutes=1)))
        finally:
            await engine.dispose()

    asyncio.run(run())
