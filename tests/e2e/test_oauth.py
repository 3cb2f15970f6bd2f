"""OAuth 2 authorisation-code flow through the HTML pages: sign-in, consent, PKCE, denial,
CSRF, and the errors that must never redirect."""

from __future__ import annotations

import secrets

import httpx

from support.clients import Clients
from support.forms import form, input_value, submit
from support.oauth_flow import (
    OOB,
    REDIRECT,
    SCOPES,
    authorize_params,
    bearer,
    browser,
    exchange,
    get_code,
    pkce_s256,
    redirect_params,
    register_app,
    sign_in_to_consent,
)
from support.server import LiveServer


def test_authorization_code_flow_with_pkce(server: LiveServer, clients: Clients,
                                           http: httpx.Client) -> None:
    user = clients.new_user("oauth")
    app = register_app(http)
    verifier, challenge = pkce_s256()
    params = authorize_params(app, code_challenge=challenge, code_challenge_method="S256")
    with browser(server) as tab:
        consent = sign_in_to_consent(tab, user, params)
        assert "OAuth test app" in consent.text
        assert "See your" in consent.text or "Read everything" in consent.text
        assert f"@{user.username}" in consent.text
        assert consent.headers["cache-control"] == "no-store"
        approved = submit(tab, consent.text, "/oauth/authorize", decision="approve")
    query = redirect_params(approved)
    assert query["state"] == "xyz-123"
    token = exchange(http, app, code=query["code"], code_verifier=verifier)
    assert token.status_code == 200, token.text
    body = token.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "read write"
    assert body["refresh_token"]
    me = http.get("/api/v1/accounts/verify_credentials", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["username"] == user.username


def test_code_is_single_use_and_needs_the_verifier(server: LiveServer, clients: Clients,
                                                   http: httpx.Client) -> None:
    user = clients.new_user("oauth")
    app = register_app(http)
    verifier, challenge = pkce_s256()
    code = get_code(server, user, authorize_params(app, code_challenge=challenge,
                                                    code_challenge_method="S256"))
    wrong = exchange(http, app, code=code, code_verifier=pkce_s256()[0])
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    # A failed attempt burns the code: guessing verifiers gets nowhere.
    again = exchange(http, app, code=code, code_verifier=verifier)
    assert again.json()["error"] == "invalid_grant"

    code = get_code(server, user, authorize_params(app, code_challenge=challenge,
                                                    code_challenge_method="S256"))
    missing = exchange(http, app, code=code)
    assert missing.json()["error"] == "invalid_grant"

    code = get_code(server, user, authorize_params(app))
    assert exchange(http, app, code=code).status_code == 200
    reused = exchange(http, app, code=code)
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"


def test_plain_pkce_with_client_secret_basic(server: LiveServer, clients: Clients,
                                             http: httpx.Client) -> None:
    user = clients.new_user("oauth")
    app = register_app(http)
    verifier = secrets.token_urlsafe(40)
    code = get_code(server, user, authorize_params(app, code_challenge=verifier,
                                                    code_challenge_method="plain"))
    response = http.post("/oauth/token", auth=(app["client_id"], app["client_secret"]),
                         data={"grant_type": "authorization_code", "code": code,
                               "redirect_uri": REDIRECT, "code_verifier": verifier})
    assert response.status_code == 200, response.text
    assert response.json()["access_token"]


def test_code_is_bound_to_its_redirect_uri(server: LiveServer, clients: Clients,
                                           http: httpx.Client) -> None:
    user = clients.new_user("oauth")
    other = "http://127.0.0.1:9/other"
    app = register_app(http, redirect_uris=f"{REDIRECT}\n{other}")
    code = get_code(server, user, authorize_params(app))
    response = exchange(http, app, code=code, redirect_uri=other)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_mastodon_py_out_of_band_code_flow(server: LiveServer, clients: Clients) -> None:
    user = clients.new_user("oauth")
    api = clients.mastodon()
    url = api.auth_request_url(redirect_uris=OOB, scopes=SCOPES, allow_http=True)
    with browser(server) as tab:
        page = tab.get(url)
        assert page.status_code == 200
        signed_in = submit(tab, page.text, "/auth/sign_in", login=f"{user.username}@example.com",
                           password=user.password)
        consent = tab.get(signed_in.headers["location"])
        shown = submit(tab, consent.text, "/oauth/authorize", decision="approve")
    assert shown.status_code == 200
    code = input_value(shown.text, "authorization-code")
    api.log_in(code=code, redirect_uri=OOB, scopes=SCOPES, allow_http=True)
    assert api.me()["username"] == user.username


def test_denying_redirects_with_access_denied(server: LiveServer, clients: Clients,
                                              http: httpx.Client) -> None:
    user = clients.new_user("oauth")
    app = register_app(http)
    with browser(server) as tab:
        consent = sign_in_to_consent(tab, user, authorize_params(app))
        denied = submit(tab, consent.text, "/oauth/authorize", decision="deny")
    query = redirect_params(denied)
    assert query["error"] == "access_denied"
    assert query["state"] == "xyz-123"
    assert "code" not in query


def test_signed_in_browser_goes_straight_to_consent_unless_force_login(
        server: LiveServer, clients: Clients, http: httpx.Client) -> None:
    user = clients.new_user("oauth")
    app = register_app(http)
    with browser(server) as tab:
        sign_in_to_consent(tab, user, authorize_params(app))
        again = tab.get("/oauth/authorize", params=authorize_params(app))
        assert form(again.text, "/oauth/authorize").buttons == {"approve": "decision",
                                                                 "deny": "decision"}
        forced = tab.get("/oauth/authorize", params=authorize_params(app, force_login="True"))
        sign_in = form(forced.text, "/auth/sign_in")
        assert "force_login" not in sign_in.fields["next"]


def test_wrong_password_shows_an_inline_error(server: LiveServer, clients: Clients,
                                              http: httpx.Client) -> None:
    user = clients.new_user("oauth")
    app = register_app(http)
    with browser(server) as tab:
        page = tab.get("/oauth/authorize", params=authorize_params(app))
        failed = submit(tab, page.text, "/auth/sign_in", login=user.username,
                        password="not the password")
        assert failed.status_code == 422
        assert 'role="alert"' in failed.text
        assert "Invalid e-mail address or password" in failed.text
        assert form(failed.text, "/auth/sign_in").fields["login"] == user.username
        retried = submit(tab, failed.text, "/auth/sign_in", password=user.password)
        assert retried.status_code == 303


def test_consent_needs_the_csrf_token(server: LiveServer, clients: Clients,
                                      http: httpx.Client) -> None:
    user = clients.new_user("oauth")
    app = register_app(http)
    with browser(server) as tab:
        consent = sign_in_to_consent(tab, user, authorize_params(app))
        fields = form(consent.text, "/oauth/authorize").fields
        forged = tab.post("/oauth/authorize", data={**fields, "csrf": "forged",
                                                    "decision": "approve"})
        assert forged.status_code == 403
        assert "location" not in forged.headers
    with browser(server) as stranger:
        # The same form posted without the victim's session cookie.
        response = stranger.post("/oauth/authorize", data={**fields, "decision": "approve"})
        assert response.status_code == 200
        assert form(response.text, "/auth/sign_in")


def test_bad_client_or_redirect_uri_shows_an_error_page(http: httpx.Client) -> None:
    app = register_app(http)
    unknown = http.get("/oauth/authorize", params={"response_type": "code",
                                                    "client_id": "nope",
                                                    "redirect_uri": REDIRECT})
    assert unknown.status_code == 400
    assert "text/html" in unknown.headers["content-type"]
    assert "<h1>Authorization failed</h1>" in unknown.text
    elsewhere = http.get("/oauth/authorize", params=authorize_params(
        app, redirect_uri="https://evil.example/steal"))
    assert elsewhere.status_code == 400
    assert "redirect URI" in elsewhere.text
    assert "location" not in elsewhere.headers


def test_scopes_beyond_the_apps_are_refused(server: LiveServer, clients: Clients,
                                            http: httpx.Client) -> None:
    user = clients.new_user("oauth")
    app = register_app(http, scopes="read")
    with browser(server) as tab:
        sign_in_to_consent(tab, user, authorize_params(app, scope="read"))
        refused = tab.get("/oauth/authorize", params=authorize_params(app, scope="read write"))
        assert redirect_params(refused)["error"] == "invalid_scope"
        unknown = tab.get("/oauth/authorize", params=authorize_params(app, scope="read:nothing"))
        assert redirect_params(unknown)["error"] == "invalid_scope"
        bad_method = tab.get("/oauth/authorize", params=authorize_params(
            app, scope="read", code_challenge=pkce_s256()[1], code_challenge_method="S512"))
        assert redirect_params(bad_method)["error"] == "invalid_request"
    password = http.post("/oauth/token", data={
        "grant_type": "password", "client_id": app["client_id"],
        "client_secret": app["client_secret"], "username": user.username,
        "password": user.password, "scope": "read write"})
    assert password.status_code == 400
    assert password.json()["error"] == "invalid_scope"


def test_a_bad_request_asks_a_visitor_to_sign_in_before_redirecting(http: httpx.Client) -> None:
    app = register_app(http, scopes="read")
    page = http.get("/oauth/authorize", params=authorize_params(app, scope="read write"))
    assert page.status_code == 200 and "location" not in page.headers
    assert 'type="password"' in page.text  # the sign-in form, not a bounce to the app


def test_registration_refuses_script_and_local_redirects_and_websites(
        http: httpx.Client) -> None:
    for uri in ("javascript:alert(1)", "JavaScript:alert(1)", "java\tscript:alert(1)",
                "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
                "file:///etc/passwd", "https://example.com/cb#frag", "https:///nohost",
                "no-scheme"):
        response = http.post("/api/v1/apps", data={"client_name": "x", "redirect_uris": uri})
        assert response.status_code == 422, (uri, response.text)
        assert "Redirect URI" in response.json()["error"]
    for website in ("javascript:alert(1)", "data:text/html,x", "ftp://example.com", "x"):
        response = http.post("/api/v1/apps", data={"client_name": "x", "website": website,
                                                   "redirect_uris": REDIRECT})
        assert response.status_code == 422, (website, response.text)
        assert response.json()["error"] == "Validation failed: Website is invalid"
    native = http.post("/api/v1/apps", data={"client_name": "x", "website": "https://app.test",
                                             "redirect_uris": "com.example.app:/oauth"})
    assert native.status_code == 200, native.text
    assert native.json()["website"] == "https://app.test"
