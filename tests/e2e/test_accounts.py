"""Accounts through Mastodon.py: sign-up, credentials, profile edits, lookup and search."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mastodon import Mastodon, MastodonAPIError, MastodonError, MastodonNotFoundError

from support.clients import PASSWORD, Clients, SchemaLog
from support.server import LiveServer, run_server


def test_sign_up_gives_a_token_that_works_at_once(clients: Clients) -> None:
    user = clients.new_user("signup")
    me = user.api.account_verify_credentials()
    assert me["username"] == user.username
    assert me["acct"] == user.username
    assert me["source"]["privacy"] == "public"
    assert me["url"] == f"{clients.server.base_url}/@{user.username}"
    assert me["followers_count"] == 0 and me["statuses_count"] == 0


def test_password_login_with_the_new_account(clients: Clients) -> None:
    user = clients.new_user("login")
    api = clients.mastodon()
    api.log_in(username=f"{user.username}@example.com", password=PASSWORD,
               scopes=["read", "write", "follow", "push"], allow_http=True)
    assert api.me()["id"] == user.id


def test_taken_username_and_bad_fields_are_refused(clients: Clients) -> None:
    user = clients.new_user("taken")
    api = clients.mastodon()
    with pytest.raises(MastodonError) as taken:
        api.create_account(user.username, PASSWORD, "other@example.com", agreement=True)
    assert "taken" in str(taken.value)
    with pytest.raises(MastodonError):
        clients.mastodon().create_account("bad name!", PASSWORD, "x@example.com", agreement=True)
    with pytest.raises(MastodonError):
        clients.mastodon().create_account("shortpw", "short", "s@example.com", agreement=True)
    with pytest.raises(MastodonError):
        clients.mastodon().create_account("noagree", PASSWORD, "n@example.com", agreement=False)


def test_update_credentials(clients: Clients) -> None:
    user = clients.new_user("profile")
    updated = user.api.account_update_credentials(
        display_name="Ada <b>Lovelace</b>", note="Poetical science.\n\nAnalytical engines.",
        locked=True, bot=False, discoverable=True,
        # A link the verification job will try: on this machine (a closed port), as every
        # request a test causes must be.
        fields=[("Website", "http://127.0.0.1:9/ada"), ("Pronouns", "she/her")],
        default_privacy="private", default_sensitive=True, default_language="en",
    )
    assert updated["display_name"] == "Ada <b>Lovelace</b>"
    assert updated["note"] == "<p>Poetical science.</p><p>Analytical engines.</p>"
    assert updated["locked"] is True
    assert [f["name"] for f in updated["fields"]] == ["Website", "Pronouns"]
    assert updated["source"]["privacy"] == "private"
    assert updated["source"]["sensitive"] is True
    assert updated["source"]["note"] == "Poetical science.\n\nAnalytical engines."
    again = user.api.account(user.id)
    assert again["locked"] is True and again["display_name"] == "Ada <b>Lovelace</b>"


def test_update_credentials_refuses_bad_values(clients: Clients) -> None:
    user = clients.new_user("badprofile")
    with pytest.raises(MastodonAPIError):
        user.api.account_update_credentials(display_name="x" * 31)
    with pytest.raises(MastodonAPIError):
        user.api.account_update_credentials(default_privacy="everyone")
    assert user.api.me()["display_name"] == ""


def test_get_lookup_and_search(clients: Clients) -> None:
    grace = clients.new_user("gracehopper")
    clients.new_user("gracefulexit")
    viewer = clients.new_user("viewer")
    assert viewer.api.account(grace.id)["username"] == grace.username
    assert viewer.api.account_lookup(grace.username)["id"] == grace.id
    assert viewer.api.account_lookup("@" + grace.username)["id"] == grace.id
    found = viewer.api.account_search("GRACE", limit=10)
    names = [a["username"] for a in found]
    assert grace.username in names and len(names) >= 2
    exact = viewer.api.account_search(grace.username)
    assert exact[0]["username"] == grace.username
    with pytest.raises(MastodonNotFoundError):
        viewer.api.account_lookup("nobody_here")
    with pytest.raises(MastodonNotFoundError):
        viewer.api.account("12345")
    with pytest.raises(MastodonNotFoundError):
        viewer.api.account("not-an-id")


def test_account_is_public_without_token(clients: Clients, http: httpx.Client) -> None:
    user = clients.new_user("public")
    response = http.get(f"/api/v1/accounts/{user.id}")
    assert response.status_code == 200
    assert response.json()["username"] == user.username
    assert http.get("/api/v1/accounts/verify_credentials").status_code == 401


@pytest.fixture(scope="module")
def closed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with run_server(tmp_path_factory.mktemp("closed"),
                    extra_env={"PARLEY_REGISTRATIONS": "closed"}) as live:
        yield live


def test_closed_registrations(closed_server: LiveServer, schema_log: SchemaLog,
                              tmp_path: Path) -> None:
    client_id, secret = Mastodon.create_app("t", api_base_url=closed_server.base_url,
                                            session=schema_log.session())
    api = Mastodon(client_id=client_id, client_secret=secret,
                   api_base_url=closed_server.base_url, session=schema_log.session())
    with pytest.raises(MastodonError) as refused:
        api.create_account("someone", PASSWORD, "someone@example.com", agreement=True)
    assert "not open" in str(refused.value)
    assert api.instance_v1()["registrations"] is False
