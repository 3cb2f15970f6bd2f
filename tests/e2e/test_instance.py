"""Instance information: /api/v1/instance, /api/v2/instance, activity, rules, policies,
custom emojis and nodeinfo, all readable without a token."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import httpx
import pytest
from mastodon import MastodonNotFoundError

from support.clients import Clients
from support.server import LiveServer


def test_instance_v1(clients: Clients) -> None:
    user = clients.new_user("inst")
    user.api.status_post("Counting posts")
    info = clients.anonymous().instance_v1()
    assert info["version"].startswith("4.3.0 (compatible; Parley ")
    assert info["uri"] == clients.server.base_url.split("://")[1]
    statuses = info["configuration"]["statuses"]
    assert statuses == {"max_characters": 500, "max_media_attachments": 4,
                        "characters_reserved_per_url": 23}
    assert info["configuration"]["polls"]["max_options"] == 4
    assert "image/png" in info["configuration"]["media_attachments"]["supported_mime_types"]
    assert info["stats"]["user_count"] >= 1
    assert info["stats"]["status_count"] >= 1
    assert info["stats"]["domain_count"] >= 0  # other tests add remote accounts
    assert info["registrations"] is True
    assert info["urls"]["streaming_api"].startswith("ws://")


def test_instance_counts_grow(clients: Clients) -> None:
    before = clients.anonymous().instance_v1()["stats"]
    user = clients.new_user("inst")
    user.api.status_post("One more")
    after = clients.anonymous().instance_v1()["stats"]
    assert after["user_count"] >= before["user_count"] + 1
    assert after["status_count"] >= before["status_count"] + 1


def test_instance_v2(clients: Clients) -> None:
    clients.new_user("inst")
    info = clients.anonymous().instance_v2()
    assert info["version"].startswith("4.3.0 (compatible; Parley ")
    assert info["api_versions"] == {"mastodon": 7}  # through quotes (Mastodon 4.5)
    assert info["domain"] == clients.server.base_url.split("://")[1]
    assert info["configuration"]["urls"]["streaming"].startswith("ws://")
    assert info["configuration"]["statuses"]["max_characters"] == 500
    assert info["registrations"]["enabled"] is True
    assert info["registrations"]["approval_required"] is False
    assert info["usage"]["users"]["active_month"] >= 1
    assert info["thumbnail"]["url"].endswith("/static/header.png")
    assert info["icon"] == []
    assert info["languages"] == ["en"]


def test_contact_account_is_the_first_admin(server: LiveServer, clients: Clients) -> None:
    env = {**os.environ, "PARLEY_DATABASE_URL": server.database_url,
           "PARLEY_BASE_URL": server.base_url, "PARLEY_ENVIRONMENT": "test"}
    subprocess.run([sys.executable, "-m", "parley", "account", "create", "boss",
                    "--email", "boss@example.com", "--password", "correct horse battery",
                    "--admin"], env=env, check=True, capture_output=True)
    v1 = clients.anonymous().instance_v1()
    assert v1["contact_account"] is not None
    assert v1["contact_account"]["url"].startswith(server.base_url + "/@")
    v2 = clients.anonymous().instance_v2()
    assert v2["contact"]["account"]["id"] == v1["contact_account"]["id"]


def test_weekly_activity(clients: Clients, http: httpx.Client) -> None:
    user = clients.new_user("inst")
    user.api.status_post("Active this week")
    weeks = clients.anonymous().instance_activity()
    assert len(weeks) == 12
    current = weeks[0]
    assert int(current["statuses"]) >= 1
    assert int(current["registrations"]) >= 1
    assert int(current["logins"]) >= 1
    # On the wire every value is a string, as in Mastodon; weeks start on Monday, UTC.
    raw = http.get("/api/v1/instance/activity").json()
    assert all(isinstance(value, str) for week in raw for value in week.values())
    starts = [int(week["week"]) for week in raw]
    assert starts == sorted(starts, reverse=True)
    assert {b - a for a, b in zip(starts[1:], starts[:-1], strict=True)} == {7 * 86400}
    this_week = datetime.fromtimestamp(starts[0], UTC)
    assert this_week.weekday() == 0 and this_week.hour == 0
    assert datetime.now(UTC) >= this_week


def test_small_instance_endpoints(clients: Clients) -> None:
    api = clients.anonymous()
    assert api.instance_peers() == []
    assert api.instance_rules() == []
    assert api.custom_emojis() == []
    assert api.instance_translation_languages() == {}
    with pytest.raises(MastodonNotFoundError):  # not shown unless the operator says so
        api.instance_domain_blocks()
    assert api.instance_extended_description()["content"].startswith("<p>")
    assert api.instance_health() is True


def test_policies_by_http(http: httpx.Client) -> None:
    policy = http.get("/api/v1/instance/privacy_policy")
    assert policy.status_code == 200
    assert policy.json()["content"].startswith("<p>")
    assert policy.json()["updated_at"].endswith("Z")
    terms = http.get("/api/v1/instance/terms_of_service")
    assert terms.status_code == 404
    assert terms.json() == {"error": "Record not found"}
    assert http.get("/api/v1/instance/terms_of_service/2025-01-01").status_code == 404


def test_instance_needs_no_token_and_ignores_a_bad_one(http: httpx.Client) -> None:
    for path in ("/api/v1/instance", "/api/v2/instance", "/api/v1/instance/activity"):
        assert http.get(path).status_code == 200
    # A bad token on a public endpoint is not an error (Mastodon ignores it too).
    assert http.get("/api/v2/instance",
                    headers={"Authorization": "Bearer garbage"}).status_code == 200


def test_nodeinfo(clients: Clients, http: httpx.Client) -> None:
    clients.new_user("inst")
    info = clients.anonymous().instance_nodeinfo()
    assert info["software"]["name"] == "parley"
    assert info["protocols"] == ["activitypub"]
    assert info["usage"]["users"]["total"] >= 1
    assert info["openRegistrations"] is True
    discovery = http.get("/.well-known/nodeinfo").json()
    assert discovery["links"][0]["href"].endswith("/nodeinfo/2.0")
    raw = http.get("/nodeinfo/2.0")
    assert raw.headers["content-type"].startswith("application/json")
    assert raw.json()["usage"]["localPosts"] >= 0
