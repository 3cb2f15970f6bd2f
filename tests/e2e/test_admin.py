"""Moderation through Mastodon's admin API (Mastodon.py's admin_* methods): roles and their
permissions, admin scopes, account actions and their effects, reports."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mastodon import Mastodon, MastodonAPIError, MastodonNotFoundError

from support.clients import PASSWORD, Clients, SchemaLog
from support.server import LiveServer, run_server

ADMIN_SCOPES = ["read", "write", "follow", "admin:read", "admin:write"]
_numbers = itertools.count(1)


def make_staff(server: LiveServer, tmp_path: Path, schema_log: SchemaLog, role: str,
               scopes: list[str] | None = None) -> Mastodon:
    """A user of `role` made with the CLI, signed in to an app holding admin scopes."""
    name = f"{role[:4]}{next(_numbers)}{os.getpid() % 1000}"
    env = {**os.environ, "PARLEY_DATABASE_URL": server.database_url,
           "PARLEY_BASE_URL": server.base_url, "PARLEY_DATA_DIR": str(tmp_path)}
    created = subprocess.run(
        [sys.executable, "-m", "parley", "account", "create", name, "--email",
         f"{name}@example.com", "--password", PASSWORD, "--role", role],
        env=env, text=True, capture_output=True, timeout=120, check=False)
    assert created.returncode == 0, created.stderr
    return admin_client(server, schema_log, f"{name}@example.com", scopes or ADMIN_SCOPES)


def admin_client(server: LiveServer, schema_log: SchemaLog, login: str,
                 scopes: list[str]) -> Mastodon:
    client_id, secret = Mastodon.create_app("moderation app", api_base_url=server.base_url,
                                            scopes=ADMIN_SCOPES, session=schema_log.session())
    api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=server.base_url,
                   session=schema_log.session(), request_timeout=30)
    api.log_in(username=login, password=PASSWORD, scopes=scopes, allow_http=True)
    return api


def bearer(api: Mastodon) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.access_token}"}


def _signed_in_again(clients: Clients, username: str) -> dict[str, Any]:
    """The account, through a new token from the password grant."""
    api = clients.mastodon()
    api.log_in(username=f"{username}@example.com", password=PASSWORD, scopes=["read"],
               allow_http=True)
    return dict(api.account_verify_credentials())


@pytest.fixture
def moderator(server: LiveServer, tmp_path: Path, schema_log: SchemaLog) -> Mastodon:
    return make_staff(server, tmp_path, schema_log, "moderator")


def test_roles_in_credentials(moderator: Mastodon, clients: Clients) -> None:
    role = moderator.account_verify_credentials()["role"]
    assert role["name"] == "Moderator" and int(role["permissions"]) & (1 << 4)  # reports
    assert clients.new_user("plain").api.account_verify_credentials()["role"]["id"] == "-99"


def test_moderator_resolves_a_report_and_suspends(moderator: Mastodon, clients: Clients,
                                                  http: httpx.Client) -> None:
    reporter, target, bystander = (clients.new_user("rep"), clients.new_user("bad"),
                                   clients.new_user("by"))
    bystander.api.account_follow(target.id)
    post = target.api.status_post("something awful")
    report = reporter.api.report(target.id, status_ids=[post["id"]], comment="awful",
                                 category="spam")
    listed = moderator.admin_reports()
    assert report["id"] in [r["id"] for r in listed]
    shown = moderator.admin_report(report["id"])
    assert shown["target_account"]["id"] == target.id
    assert [s["id"] for s in shown["statuses"]] == [post["id"]]
    assigned = moderator.admin_report_assign(report["id"])
    assert assigned["assigned_account"]["id"] == moderator.me()["id"]
    assert moderator.admin_report_unassign(report["id"])["assigned_account"] is None

    moderator.admin_account_moderate(target.id, "suspend", report_id=report["id"],
                                     text="spam")
    resolved = moderator.admin_report(report["id"])
    assert resolved["action_taken"] is True
    assert resolved["action_taken_by_account"]["id"] == moderator.me()["id"]
    assert report["id"] not in [r["id"] for r in moderator.admin_reports()]
    assert report["id"] in [r["id"] for r in moderator.admin_reports(resolved=True)]
    assert moderator.admin_account(target.id)["suspended"] is True
    suspended = moderator.admin_accounts_v2(status="suspended")
    assert target.id in [a["id"] for a in suspended]

    # Its tokens stop working, and nobody sees its posts.
    assert http.get("/api/v1/accounts/verify_credentials",
                    headers=bearer(target.api)).status_code == 401
    with pytest.raises(MastodonNotFoundError):
        bystander.api.status(post["id"])
    assert http.get(f"/api/v1/statuses/{post['id']}").status_code == 404
    assert bystander.api.account_statuses(target.id) == []
    assert post["id"] not in [s["id"] for s in bystander.api.timeline_home()]

    unsuspended = moderator.admin_account_unsuspend(target.id)
    assert unsuspended["suspended"] is False
    assert bystander.api.status(post["id"])["id"] == post["id"]
    # The suspension signed the user out everywhere: back in by signing in again only.
    assert http.get("/api/v1/accounts/verify_credentials",
                    headers=bearer(target.api)).status_code == 401
    assert _signed_in_again(clients, target.username)["id"] == target.id

    reopened = moderator.admin_report_reopen(report["id"])
    assert reopened["action_taken"] is False
    assert moderator.admin_report_resolve(report["id"])["action_taken"] is True


def test_silence_limits_posts_to_followers(moderator: Mastodon, clients: Clients,
                                           http: httpx.Client) -> None:
    loud, follower, stranger = (clients.new_user("loud"), clients.new_user("fol"),
                                clients.new_user("str"))
    follower.api.account_follow(loud.id)
    post = loud.api.status_post("too loud")
    moderator.admin_account_moderate(loud.id, "silence")
    assert moderator.admin_account(loud.id)["silenced"] is True
    assert follower.api.status(post["id"])["id"] == post["id"]
    with pytest.raises(MastodonNotFoundError):
        stranger.api.status(post["id"])
    assert post["id"] not in [s["id"] for s in stranger.api.timeline_public()]
    assert http.get(f"/api/v1/statuses/{post['id']}").status_code == 404
    assert loud.api.status(post["id"])["id"] == post["id"]  # the author still sees it
    assert moderator.admin_account_unsilence(loud.id)["silenced"] is False
    assert stranger.api.status(post["id"])["id"] == post["id"]


def test_disable_sensitive_and_undo(moderator: Mastodon, clients: Clients,
                                    http: httpx.Client) -> None:
    target = clients.new_user("dis")
    moderator.admin_account_moderate(target.id, "disable")
    assert http.get("/api/v1/accounts/verify_credentials",
                    headers=bearer(target.api)).status_code == 401
    assert moderator.admin_account_enable(target.id)["disabled"] is False
    assert http.get("/api/v1/accounts/verify_credentials",
                    headers=bearer(target.api)).status_code == 401
    assert _signed_in_again(clients, target.username)["id"] == target.id
    moderator.admin_account_moderate(target.id, "sensitive")
    assert moderator.admin_account(target.id)["sensitized"] is True
    assert moderator.admin_account_unsensitive(target.id)["sensitized"] is False
    moderator.admin_account_moderate(target.id)  # "none": a warning, nothing changes
    found = moderator.admin_accounts_v1(username=target.username)
    assert [a["id"] for a in found] == [target.id]
    assert found[0]["email"] == f"{target.username}@example.com"
    assert [a["id"] for a in moderator.admin_accounts_v2(username=target.username,
                                                         origin="local")] == [target.id]


def test_staff_act_only_below_their_role(moderator: Mastodon, server: LiveServer,
                                         tmp_path: Path, schema_log: SchemaLog) -> None:
    admin = make_staff(server, tmp_path, schema_log, "admin")
    with pytest.raises(MastodonAPIError) as refused:
        moderator.admin_account_moderate(admin.me()["id"], "suspend")
    assert refused.value.args[1] == 403
    with pytest.raises(MastodonAPIError):
        moderator.admin_account_moderate(moderator.me()["id"], "silence")
    staff = [a["id"] for a in admin.admin_accounts_v2(permissions="staff")]
    assert moderator.me()["id"] in staff and admin.me()["id"] in staff


def test_bad_input(moderator: Mastodon, clients: Clients, http: httpx.Client) -> None:
    target = clients.new_user("badin")
    auth = bearer(moderator)
    for path, body in ((f"/api/v1/admin/accounts/{target.id}/action", {"type": "explode"}),
                       (f"/api/v1/admin/accounts/{target.id}/action",
                        {"type": "silence", "report_id": "123"}),
                       ("/api/v1/admin/accounts/123/action", {"type": "silence"}),
                       ("/api/v1/admin/accounts/abc/enable", {}),
                       ("/api/v1/admin/reports/123/resolve", {})):
        response = http.post(path, json=body, headers=auth)
        assert response.status_code in (404, 422), (path, response.text)
        assert "error" in response.json()
    assert http.get("/api/v2/admin/accounts?status=sleeping", headers=auth).status_code == 422
    assert moderator.admin_account(target.id)["silenced"] is False  # nothing stored


ADMIN_ROUTES = [
    ("GET", "/api/v1/admin/accounts"), ("GET", "/api/v2/admin/accounts"),
    ("GET", "/api/v1/admin/accounts/{id}"), ("POST", "/api/v1/admin/accounts/{id}/action"),
    ("POST", "/api/v1/admin/accounts/{id}/enable"),
    ("POST", "/api/v1/admin/accounts/{id}/unsilence"),
    ("POST", "/api/v1/admin/accounts/{id}/unsuspend"),
    ("POST", "/api/v1/admin/accounts/{id}/unsensitive"),
    ("POST", "/api/v1/admin/accounts/{id}/approve"),
    ("POST", "/api/v1/admin/accounts/{id}/reject"),
    ("GET", "/api/v1/admin/reports"), ("GET", "/api/v1/admin/reports/{id}"),
    ("POST", "/api/v1/admin/reports/{id}/assign_to_self"),
    ("POST", "/api/v1/admin/reports/{id}/unassign"),
    ("POST", "/api/v1/admin/reports/{id}/resolve"),
    ("POST", "/api/v1/admin/reports/{id}/reopen"),
    *[(method, f"/api/v1/admin/{kind}{tail}") for kind in ("domain_blocks", "ip_blocks")
      for method, tail in (("GET", ""), ("POST", ""), ("GET", "/{id}"), ("PUT", "/{id}"),
                           ("DELETE", "/{id}"))],
    ("GET", "/api/v1/admin/email_domain_blocks"), ("POST", "/api/v1/admin/email_domain_blocks"),
    ("GET", "/api/v1/admin/email_domain_blocks/{id}"),
    ("DELETE", "/api/v1/admin/email_domain_blocks/{id}"),
    ("POST", "/api/v1/admin/measures"), ("POST", "/api/v1/admin/dimensions"),
]


def test_plain_users_get_403_everywhere(clients: Clients, server: LiveServer,
                                        schema_log: SchemaLog, moderator: Mastodon,
                                        http: httpx.Client) -> None:
    plain = clients.new_user("plain")
    target = clients.new_user("tgt")
    report = target.api.report(plain.id)
    with_scopes = admin_client(server, schema_log, f"{plain.username}@example.com",
                               ADMIN_SCOPES)
    no_scopes = bearer(clients.new_user("noscope", scopes=["read", "write"]).api)
    for method, template in ADMIN_ROUTES:
        path = template.replace("{id}", report["id"] if "reports" in template else target.id)
        for headers in (bearer(with_scopes), no_scopes):
            response = http.request(method, path, headers=headers)
            assert response.status_code == 403, (method, path, response.text)
            assert "error" in response.json()
        assert http.request(method, path).status_code == 401
    # A moderator's token without admin scopes is refused too (the scope rule).
    narrow = admin_client(server, schema_log, moderator.me()["acct"] + "@example.com",
                          ["read", "write"])
    assert http.get("/api/v1/admin/accounts", headers=bearer(narrow)).status_code == 403
    read_only = admin_client(server, schema_log, moderator.me()["acct"] + "@example.com",
                             ["admin:read"])
    assert http.get("/api/v1/admin/reports", headers=bearer(read_only)).status_code == 200
    assert http.post(f"/api/v1/admin/accounts/{target.id}/action", json={"type": "silence"},
                     headers=bearer(read_only)).status_code == 403
    assert target.api.account_verify_credentials()["id"] == target.id  # nothing happened


@pytest.fixture(scope="module")
def approval_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with run_server(tmp_path_factory.mktemp("approval"),
                    extra_env={"PARLEY_REGISTRATIONS": "approval"}) as live:
        yield live


def test_approve_and_reject_sign_ups(approval_server: LiveServer, schema_log: SchemaLog,
                                     tmp_path: Path) -> None:
    staff = make_staff(approval_server, tmp_path, schema_log, "admin")
    client_id, secret = Mastodon.create_app("t", api_base_url=approval_server.base_url,
                                            session=schema_log.session())
    for name in ("waiting1", "waiting2"):
        api = Mastodon(client_id=client_id, client_secret=secret,
                       api_base_url=approval_server.base_url, session=schema_log.session())
        api.create_account(name, PASSWORD, f"{name}@example.com", agreement=True,
                           reason="I would like to join")
    pending = {a["username"]: a for a in staff.admin_accounts_v2(status="pending")}
    assert set(pending) == {"waiting1", "waiting2"}
    assert pending["waiting1"]["approved"] is False
    assert pending["waiting1"]["invite_request"] == "I would like to join"
    approved = staff.admin_account_approve(pending["waiting1"]["id"])
    assert approved["approved"] is True
    with pytest.raises(MastodonAPIError):  # no longer pending
        staff.admin_account_approve(pending["waiting1"]["id"])
    staff.admin_account_reject(pending["waiting2"]["id"])
    with pytest.raises(MastodonNotFoundError):
        staff.admin_account(pending["waiting2"]["id"])
    assert staff.admin_accounts_v2(status="pending") == []


