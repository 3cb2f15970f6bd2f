"""OAuth 2 token grants (password, client credentials, refresh), revocation, client
authentication, and what bad or under-scoped tokens get."""

from __future__ import annotations

import httpx
import pytest
from mastodon.errors import MastodonIllegalArgumentError, MastodonUnauthorizedError

from support.clients import Clients
from support.oauth_flow import (
    SCOPES,
    authorize_params,
    bearer,
    exchange,
    expire_token,
    get_code,
    register_app,
)
from support.server import LiveServer


def test_password_grant_with_mastodon_py(clients: Clients) -> None:
    user = clients.new_user("oauth")
    by_username = clients.mastodon()
    by_username.log_in(user.username, user.password, scopes=SCOPES, allow_http=True)
    assert by_username.me()["id"] == user.id
    by_email = clients.mastodon()
    by_email.log_in(f"{user.username}@example.com", user.password, scopes=SCOPES,
                    allow_http=True)
    assert by_email.me()["id"] == user.id
    with pytest.raises(MastodonIllegalArgumentError):
        clients.mastodon().log_in(user.username, "wrong password", scopes=SCOPES,
                                  allow_http=True)


def test_client_credentials_grant(http: httpx.Client) -> None:
    app = register_app(http)
    response = http.post("/oauth/token", auth=(app["client_id"], app["client_secret"]),
                         data={"grant_type": "client_credentials", "scope": "read"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scope"] == "read"
    assert "refresh_token" not in body
    verified = http.get("/api/v1/apps/verify_credentials", headers=bearer(body["access_token"]))
    assert verified.status_code == 200
    assert verified.json()["name"] == "OAuth test app"
    as_user = http.get("/api/v1/accounts/verify_credentials",
                       headers=bearer(body["access_token"]))
    assert as_user.status_code == 401
    assert "error" in as_user.json()


def test_refresh_token_grant(server: LiveServer, clients: Clients, http: httpx.Client) -> None:
    user = clients.new_user("oauth")
    app = register_app(http)
    first = exchange(http, app, code=get_code(server, user, authorize_params(app))).json()
    refreshed = http.post("/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": first["refresh_token"],
        "client_id": app["client_id"], "client_secret": app["client_secret"]})
    assert refreshed.status_code == 200, refreshed.text
    second = refreshed.json()
    assert second["access_token"] != first["access_token"]
    assert second["scope"] == "read write"
    old = http.get("/api/v1/accounts/verify_credentials", headers=bearer(first["access_token"]))
    assert old.status_code == 401
    new = http.get("/api/v1/accounts/verify_credentials",
                   headers=bearer(second["access_token"]))
    assert new.json()["username"] == user.username
    replayed = http.post("/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": first["refresh_token"],
        "client_id": app["client_id"], "client_secret": app["client_secret"]})
    assert replayed.status_code == 400
    assert replayed.json()["error"] == "invalid_grant"


def test_revoked_token_stops_working(clients: Clients, http: httpx.Client) -> None:
    user = clients.new_user("oauth")
    api = clients.mastodon()
    token = api.log_in(user.username, user.password, scopes=SCOPES, allow_http=True)
    api.revoke_access_token(allow_http=True)
    with pytest.raises(MastodonUnauthorizedError):
        clients.mastodon(token).me()
    response = http.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert response.status_code == 401
    assert isinstance(response.json()["error"], str)
    # Revoking with Basic client authentication, and revoking twice, both succeed.
    app = register_app(http)
    other = http.post("/oauth/token", auth=(app["client_id"], app["client_secret"]),
                      data={"grant_type": "client_credentials"}).json()["access_token"]
    for _ in range(2):
        revoked = http.post("/oauth/revoke", auth=(app["client_id"], app["client_secret"]),
                            data={"token": other})
        assert revoked.status_code == 200
    assert http.get("/api/v1/apps/verify_credentials", headers=bearer(other)).status_code == 401


def test_bad_client_credentials_and_grants(clients: Clients, http: httpx.Client) -> None:
    user = clients.new_user("oauth")
    app = register_app(http)
    wrong = http.post("/oauth/token", data={
        "grant_type": "password", "client_id": app["client_id"], "client_secret": "wrong",
        "username": user.username, "password": user.password})
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    basic = http.post("/oauth/token", auth=(app["client_id"], "wrong"),
                      data={"grant_type": "client_credentials"})
    assert basic.status_code == 401
    assert basic.json()["error"] == "invalid_client"
    garbled = http.post("/oauth/token", headers={"Authorization": "Basic !!!"},
                        data={"grant_type": "client_credentials"})
    assert garbled.status_code == 401
    unknown_grant = http.post("/oauth/token", auth=(app["client_id"], app["client_secret"]),
                              data={"grant_type": "implicit"})
    assert unknown_grant.status_code == 400
    assert unknown_grant.json()["error"] == "unsupported_grant_type"
    no_grant = http.post("/oauth/token", data={"client_id": app["client_id"]})
    assert no_grant.status_code == 400
    assert no_grant.json()["error"] == "invalid_request"
    bad_code = exchange(http, app, code="made-up")
    assert bad_code.json()["error"] == "invalid_grant"


def test_garbage_and_expired_tokens_are_refused(server: LiveServer, clients: Clients,
                                                http: httpx.Client) -> None:
    garbage = http.get("/api/v1/accounts/verify_credentials", headers=bearer("garbage"))
    assert garbage.status_code == 401
    assert isinstance(garbage.json()["error"], str)
    user = clients.new_user("oauth")
    token = clients.mastodon().log_in(user.username, user.password, scopes=SCOPES,
                                      allow_http=True)
    assert http.get("/api/v1/accounts/verify_credentials",
                    headers=bearer(token)).status_code == 200
    expire_token(server, token)
    expired = http.get("/api/v1/accounts/verify_credentials", headers=bearer(token))
    assert expired.status_code == 401
    assert "error" in expired.json()


def test_read_only_token_cannot_post(clients: Clients, http: httpx.Client) -> None:
    user = clients.new_user("oauth")
    api = clients.mastodon()
    token = api.log_in(user.username, user.password, scopes=["read"], allow_http=True)
    response = http.post("/api/v1/statuses", headers=bearer(token), data={"status": "hi"})
    assert response.status_code == 403
    assert "error" in response.json()
    assert http.get("/api/v1/accounts/verify_credentials",
                    headers=bearer(token)).status_code == 200


def test_server_metadata_and_userinfo(clients: Clients, http: httpx.Client) -> None:
    user = clients.new_user("oauth")
    info = user.api.oauth_authorization_server_info()
    assert info["authorization_endpoint"].endswith("/oauth/authorize")
    assert "client_secret_basic" in info["token_endpoint_auth_methods_supported"]
    # Mastodon.py's oauth_userinfo() insists on https, so ask directly.
    userinfo = http.get(info["userinfo_endpoint"], headers=bearer(user.api.access_token))
    assert userinfo.status_code == 200
    assert userinfo.json()["preferred_username"] == user.username
    assert http.get("/oauth/userinfo").status_code == 401
