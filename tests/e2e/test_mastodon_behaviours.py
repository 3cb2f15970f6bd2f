"""Where clients depend on Mastodon behaving exactly so (each found by a real client
library): profile settings, follow-request notifications, account statuses without direct
posts, registration answers, reposts lists and the instance's domain blocks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mastodon import MastodonAPIError

from support.clients import Clients, TestUser
from support.server import LiveServer, run_server


def test_a_blank_default_language_means_none(clients: Clients) -> None:
    user = clients.new_user("lang")
    user.api.account_update_credentials(default_language="de")
    assert user.api.me()["source"]["language"] == "de"
    # Apps send the field blank for "no default"; posting must go on working.
    cleared = user.api.account_update_credentials(default_language="")
    assert cleared["source"]["language"] == ""
    post = user.api.status_post("still posting after saving settings")
    assert post["language"] is None
    with pytest.raises(MastodonAPIError):
        user.api.account_update_credentials(default_language="not a language")
    assert user.api.status_post("and still")["id"]


def test_hide_collections_and_image_descriptions_are_kept(clients: Clients,
                                                          http: httpx.Client) -> None:
    owner, other = clients.new_user("hider"), clients.new_user("looker")
    other.api.account_follow(owner.id)
    updated = owner.api.account_update_credentials(
        hide_collections=True, avatar_description="A red kite over a hill",
        header_description="Hills in the rain")
    assert updated["hide_collections"] is True
    assert updated["avatar_description"] == "A red kite over a hill"
    assert updated["header_description"] == "Hills in the rain"
    seen = other.api.account(owner.id)
    assert (seen["hide_collections"], seen["avatar_description"],
            seen["header_description"]) == (True, "A red kite over a hill", "Hills in the rain")
    # Hidden from others, shown to the owner.
    assert other.api.account_followers(owner.id) == []
    assert [a["id"] for a in owner.api.account_followers(owner.id)] == [other.id]
    assert f"@{other.username}" not in http.get(f"/@{owner.username}/followers").text
    # Leaving the fields out keeps them; saying false shows the lists again.
    again = owner.api.account_update_credentials(display_name="Hider")
    assert again["hide_collections"] is True
    assert again["avatar_description"] == "A red kite over a hill"
    shown = owner.api.account_update_credentials(hide_collections=False)
    assert shown["hide_collections"] is False
    assert [a["id"] for a in other.api.account_followers(owner.id)] == [other.id]
    assert f"@{other.username}" in http.get(f"/@{owner.username}/followers").text


def _request_notifications(user: TestUser) -> list[str]:
    return [n["account"]["id"] for n in user.api.notifications(types=["follow_request"])]


def test_a_follow_request_notification_goes_once_answered(clients: Clients) -> None:
    locked = clients.new_user("lockedn")
    locked.api.account_update_credentials(locked=True)
    accepted, rejected, withdrawn = (clients.new_user(p) for p in ("acc", "rej", "wdr"))
    for asker in (accepted, rejected, withdrawn):
        asker.api.account_follow(locked.id)
    assert sorted(_request_notifications(locked)) == sorted(
        [accepted.id, rejected.id, withdrawn.id])
    locked.api.follow_request_authorize(accepted.id)
    locked.api.follow_request_reject(rejected.id)
    withdrawn.api.account_unfollow(locked.id)
    assert _request_notifications(locked) == []
    assert locked.api.notifications() == []  # nor did the accepted request become a follow


def test_account_statuses_can_leave_out_direct_posts(clients: Clients) -> None:
    author, friend = clients.new_user("dmauthor"), clients.new_user("dmfriend")
    direct = author.api.status_post(f"@{friend.username} just us", visibility="direct")
    public = author.api.status_post("everyone")
    ids = [s["id"] for s in author.api.account_statuses(author.id)]
    assert ids == [public["id"], direct["id"]]
    ids = [s["id"] for s in author.api.account_statuses(author.id, exclude_direct=True)]
    assert ids == [public["id"]]
    seen = [s["id"] for s in friend.api.account_statuses(author.id, exclude_direct=True)]
    assert seen == [public["id"]]


def _app_token(http: httpx.Client) -> str:
    app = http.post("/api/v1/apps", data={"client_name": "sign-up",
                                          "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                                          "scopes": "read write"}).json()
    token: str = http.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": app["client_id"],
        "client_secret": app["client_secret"], "scope": "read write"}).json()["access_token"]
    return token


def test_registration_takes_any_valid_address_and_names_each_refused_field(
        clients: Clients, http: httpx.Client) -> None:
    clients.mastodon().create_account("localmail", "correct horse battery", "a@localhost12345",
                                      agreement=True)
    auth = {"Authorization": f"Bearer {_app_token(http)}"}
    refused = http.post("/api/v1/accounts", headers=auth, data={
        "username": "bad name!", "email": "a@localhost12345", "password": "",
        "agreement": "false", "locale": "en"})
    assert refused.status_code == 422
    body: dict[str, Any] = refused.json()
    assert body["details"] == {
        "username": [{"error": "ERR_INVALID",
                      "description": "must contain only letters, numbers and underscores"}],
        "password": [{"error": "ERR_BLANK", "description": "can't be blank"}],
        "agreement": [{"error": "ERR_ACCEPTED", "description": "must be accepted"}],
    }
    assert body["error"] == ("Validation failed: Username must contain only letters, numbers "
                             "and underscores, Password can't be blank, Agreement must be "
                             "accepted")
    assert not clients.schema_log.checker.check("POST", "/api/v1/accounts", 422, body)
    taken = http.post("/api/v1/accounts", headers=auth, data={
        "username": "localmail", "email": "A@localhost12345", "password": "long enough pw",
        "agreement": "true", "locale": "en"})
    assert taken.status_code == 422
    assert taken.json()["details"] == {
        "username": [{"error": "ERR_TAKEN", "description": "has already been taken"}],
        "email": [{"error": "ERR_TAKEN", "description": "has already been taken"}]}
    assert http.get("/api/v1/accounts/lookup", params={"acct": "bad"}).status_code == 404


def test_reporting_yourself_is_refused(clients: Clients) -> None:
    user = clients.new_user("selfreport")
    with pytest.raises(MastodonAPIError) as refused:
        user.api.report(user.id, comment="me")
    assert refused.value.args[1] == 422


def test_reblogged_by_leaves_out_self_reposts_the_viewer_may_not_see(clients: Clients) -> None:
    author, mentioned, follower = (clients.new_user(p) for p in ("sra", "srm", "srf"))
    follower.api.account_follow(author.id)
    post = author.api.status_post(f"@{mentioned.username} for my followers",
                                  visibility="private")
    author.api.status_reblog(post["id"])
    # The mentioned person sees the post but not its followers-only self-repost.
    assert mentioned.api.status_reblogged_by(post["id"]) == []
    assert [a["id"] for a in follower.api.status_reblogged_by(post["id"])] == [author.id]
    assert [a["id"] for a in author.api.status_reblogged_by(post["id"])] == [author.id]


def test_instance_domain_blocks_are_not_public_by_default(clients: Clients,
                                                         http: httpx.Client) -> None:
    user = clients.new_user("dbviewer")
    assert http.get("/api/v1/instance/domain_blocks").status_code == 404
    signed_in = http.get("/api/v1/instance/domain_blocks",
                         headers={"Authorization": f"Bearer {user.api.access_token}"})
    assert signed_in.status_code == 404


@pytest.fixture(scope="module")
def users_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with run_server(Path(tmp_path_factory.mktemp("domainblocks")),
                    extra_env={"PARLEY_SHOW_DOMAIN_BLOCKS": "users"}) as server:
        yield server


def test_instance_domain_blocks_shown_to_users_when_set(users_only: LiveServer) -> None:
    with httpx.Client(base_url=users_only.base_url, timeout=30) as http:
        assert http.get("/api/v1/instance/domain_blocks").status_code == 404
        token = _app_token(http)
        created = http.post("/api/v1/accounts", headers={"Authorization": f"Bearer {token}"},
                            data={"username": "dbuser", "email": "db@example.com",
                                  "password": "long enough pw", "agreement": "true",
                                  "locale": "en"})
        assert created.status_code == 200, created.text
        shown = http.get("/api/v1/instance/domain_blocks", headers={
            "Authorization": f"Bearer {created.json()['access_token']}"})
        assert shown.status_code == 200
        assert shown.json() == []
