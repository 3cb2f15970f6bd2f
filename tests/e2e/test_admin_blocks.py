"""Server-wide blocks through Mastodon's admin API (Mastodon.py): domain blocks silence or
suspend a domain's accounts, e-mail domain blocks and IP blocks refuse sign-ups (and
no_access sign-ins); measures and dimensions. Its own server: the IP blocks cover the
tests' own address."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from mastodon import Mastodon, MastodonAPIError, MastodonError

from e2e.test_admin import admin_client, bearer, make_staff
from support.clients import PASSWORD, SchemaLog
from support.server import LiveServer, run_server


@pytest.fixture(scope="module")
def blocks_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with run_server(tmp_path_factory.mktemp("blocks")) as live:
        yield live


@pytest.fixture(scope="module")
def app(blocks_server: LiveServer, schema_log: SchemaLog) -> tuple[str, str]:
    return Mastodon.create_app("sign-ups", api_base_url=blocks_server.base_url,
                               scopes=["read", "write", "follow", "push"],
                               session=schema_log.session())


def sign_up(server: LiveServer, schema_log: SchemaLog, app: tuple[str, str], name: str,
            email: str | None = None) -> Mastodon:
    api = Mastodon(client_id=app[0], client_secret=app[1], api_base_url=server.base_url,
                   session=schema_log.session())
    api.create_account(name, PASSWORD, email or f"{name}@example.com", agreement=True)
    return api


def test_email_domain_blocks_refuse_sign_ups(blocks_server: LiveServer, schema_log: SchemaLog,
                                             tmp_path: Path, app: tuple[str, str]) -> None:
    admin = make_staff(blocks_server, tmp_path, schema_log, "admin")
    block = admin.admin_create_email_domain_block("spam.example")
    assert block["domain"] == "spam.example"
    assert [b["id"] for b in admin.admin_email_domain_blocks()] == [block["id"]]
    for email in ("x@spam.example", "y@mail.spam.example"):
        with pytest.raises(MastodonError, match="disallowed e-mail provider"):
            sign_up(blocks_server, schema_log, app, "spammer", email)
    with pytest.raises(MastodonAPIError):  # the same domain twice
        admin.admin_create_email_domain_block("spam.example")
    sign_up(blocks_server, schema_log, app, "fine1", "fine@notspam.example")
    admin.admin_delete_email_domain_block(block["id"])
    sign_up(blocks_server, schema_log, app, "spammer", "x@spam.example")


def test_ip_blocks(blocks_server: LiveServer, schema_log: SchemaLog, tmp_path: Path,
                   app: tuple[str, str], http: httpx.Client) -> None:
    admin = make_staff(blocks_server, tmp_path, schema_log, "admin")
    existing = sign_up(blocks_server, schema_log, app, "before1")
    block = admin.admin_create_ip_block("127.0.0.0/8", "sign_up_requires_approval",
                                        comment="tests")
    try:
        assert block["ip"] == "127.0.0.0/8" and block["severity"] == "sign_up_requires_approval"
        sign_up(blocks_server, schema_log, app, "waiting1")
        pending = [a["username"] for a in admin.admin_accounts_v2(status="pending")]
        assert pending == ["waiting1"]
        block = admin.admin_update_ip_block(block["id"], severity="sign_up_block")
        with pytest.raises(MastodonError, match="not allowed"):
            sign_up(blocks_server, schema_log, app, "blocked1")
        assert existing.account_verify_credentials()["username"] == "before1"  # sign-ins ok
        admin.admin_update_ip_block(block["id"], severity="no_access")
        with pytest.raises(MastodonError):
            admin_client(blocks_server, schema_log, "before1@example.com", ["read"])
        assert admin.admin_ip_block(block["id"])["severity"] == "no_access"
    finally:
        http.delete(f"{blocks_server.base_url}/api/v1/admin/ip_blocks/{block['id']}",
                    headers=bearer(admin))
    assert admin.admin_ip_blocks() == []
    admin_client(blocks_server, schema_log, "before1@example.com", ["read"])
    for body in ({"ip": "not an address", "severity": "no_access"},
                 {"ip": "10.0.0.0/8", "severity": "forever"}, {"severity": "no_access"}):
        response = http.post(f"{blocks_server.base_url}/api/v1/admin/ip_blocks", json=body,
                             headers=bearer(admin))
        assert response.status_code == 422, (body, response.text)
    assert admin.admin_ip_blocks() == []


def test_domain_blocks(blocks_server: LiveServer, schema_log: SchemaLog, tmp_path: Path,
                       http: httpx.Client) -> None:
    admin = make_staff(blocks_server, tmp_path, schema_log, "admin")
    block = admin.admin_create_domain_block("bad.example", severity="suspend",
                                            public_comment="spam")
    assert block["severity"] == "suspend" and block["public_comment"] == "spam"
    updated = admin.admin_update_domain_block(block["id"], severity="silence",
                                              reject_media=True)
    assert updated["severity"] == "silence" and updated["reject_media"] is True
    assert [b["domain"] for b in admin.admin_domain_blocks()] == ["bad.example"]
    with pytest.raises(MastodonAPIError):
        admin.admin_create_domain_block("bad.example")
    admin.admin_delete_domain_block(block["id"])
    assert admin.admin_domain_blocks() == []
    for body in ({"domain": "not a domain!"}, {"domain": "x.example", "severity": "nuke"}):
        response = http.post(f"{blocks_server.base_url}/api/v1/admin/domain_blocks",
                             json=body, headers=bearer(admin))
        assert response.status_code == 422, (body, response.text)


def test_moderators_may_not_manage_blocks(blocks_server: LiveServer, schema_log: SchemaLog,
                                          tmp_path: Path, http: httpx.Client) -> None:
    moderator = make_staff(blocks_server, tmp_path, schema_log, "moderator")
    for path in ("domain_blocks", "email_domain_blocks", "ip_blocks"):
        url = f"{blocks_server.base_url}/api/v1/admin/{path}"
        assert http.get(url, headers=bearer(moderator)).status_code == 403
        assert http.post(url, json={"domain": "a.example", "ip": "10.0.0.1",
                                    "severity": "no_access"},
                         headers=bearer(moderator)).status_code == 403
    assert moderator.admin_measures(datetime.now(UTC) - timedelta(days=1), datetime.now(UTC),
                                    new_users=True)[0]["key"] == "new_users"


def test_measures_and_dimensions(blocks_server: LiveServer, schema_log: SchemaLog,
                                 tmp_path: Path, app: tuple[str, str]) -> None:
    admin = make_staff(blocks_server, tmp_path, schema_log, "admin")
    poster = sign_up(blocks_server, schema_log, app, "poster1")
    poster.status_post("hello", language="en")
    now = datetime.now(UTC)
    found = {m["key"]: m for m in admin.admin_measures(
        now - timedelta(days=6), now, new_users=True, interactions=True, opened_reports=True,
        resolved_reports=True, instance_statuses=blocks_server.base_url.split("//")[1])}
    assert set(found) == {"new_users", "interactions", "opened_reports", "resolved_reports",
                          "instance_statuses"}
    assert len(found["new_users"]["data"]) == 7
    assert int(found["new_users"]["total"]) >= 2
    assert int(found["instance_statuses"]["total"]) >= 1
    dims = {d["key"]: d for d in admin.admin_dimensions(
        now - timedelta(days=6), now, languages=True, software_versions=True, servers=True)}
    assert {"key": "en", "human_key": "en", "value": "1"} in dims["languages"]["data"]
    assert dims["software_versions"]["data"][0]["key"] == "parley"
