"""Reports: POST /api/v1/reports through Mastodon.py, and `parley report list|resolve` on the
live server's database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from mastodon import MastodonError, MastodonNotFoundError

from support.clients import Clients, TestUser
from support.server import LiveServer


def bearer(user: TestUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.api.access_token}"}


def parley(server: LiveServer, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PARLEY_DATABASE_URL": server.database_url,
           "PARLEY_DATA_DIR": str(tmp_path)}
    return subprocess.run([sys.executable, "-m", "parley", *args], env=env, text=True,
                          capture_output=True, timeout=120, check=False)


def test_report_an_account_and_its_posts(clients: Clients) -> None:
    reporter, target = clients.new_user("rep"), clients.new_user("rept")
    first = target.api.status_post("spam spam spam")
    second = target.api.status_post("more spam")
    report = reporter.api.report(target.id, status_ids=[first["id"], second["id"]],
                                 comment="Selling things", category="spam")
    assert report["target_account"]["id"] == target.id
    assert report["category"] == "spam" and report["comment"] == "Selling things"
    assert sorted(report["status_ids"]) == sorted([first["id"], second["id"]])
    assert report["action_taken"] is False and report["action_taken_at"] is None
    assert report["forwarded"] is False
    plain = reporter.api.report(target.id)
    assert plain["category"] == "other" and plain["status_ids"] is None


def test_report_bad_input(clients: Clients, http: httpx.Client) -> None:
    reporter, target, other = (clients.new_user("repbad"), clients.new_user("repbad"),
                               clients.new_user("repbad"))
    theirs = target.api.status_post("mine")
    someone_elses = other.api.status_post("not the target's")
    private = target.api.status_post("followers only", visibility="private")
    with pytest.raises(MastodonNotFoundError):
        reporter.api.report("999999")
    with pytest.raises(MastodonNotFoundError):  # a post that is not the target's
        reporter.api.report(target.id, status_ids=[someone_elses["id"]])
    with pytest.raises(MastodonNotFoundError):  # a post the reporter cannot see
        reporter.api.report(target.id, status_ids=[private["id"]])
    auth = bearer(reporter)
    for body in ({}, {"account_id": target.id, "category": "rude"},
                 {"account_id": target.id, "comment": "x" * 1001},
                 {"account_id": target.id, "rule_ids": ["1"]},
                 {"account_id": target.id, "status_ids": "abc"},
                 {"account_id": reporter.id}):
        response = http.post("/api/v1/reports", json=body, headers=auth)
        assert response.status_code in (404, 422), (body, response.text)
        assert "error" in response.json()
    assert http.post("/api/v1/reports", json={"account_id": target.id}).status_code == 401
    reader = clients.mastodon()
    reader.log_in(username=f"{reporter.username}@example.com", password=reporter.password,
                  scopes=["read"], allow_http=True)
    with pytest.raises(MastodonError):
        reader.report(target.id, status_ids=[theirs["id"]])


def test_moderators_list_and_resolve_reports(clients: Clients, server: LiveServer,
                                             tmp_path: Path) -> None:
    reporter, target = clients.new_user("repcli"), clients.new_user("repclit")
    post = target.api.status_post("something reportable")
    report = reporter.api.report(target.id, status_ids=[post["id"]],
                                 comment="Please look at this", category="other")
    listed = parley(server, tmp_path, "report", "list")
    assert listed.returncode == 0, listed.stderr
    line = next(line for line in listed.stdout.splitlines() if line.startswith(report["id"]))
    assert f"@{reporter.username} -> @{target.username}" in line
    assert "open" in line and "Please look at this" in line and post["id"] in line
    resolved = parley(server, tmp_path, "report", "resolve", report["id"], "--note", "warned")
    assert resolved.returncode == 0, resolved.stderr
    assert report["id"] not in parley(server, tmp_path, "report", "list").stdout
    done = parley(server, tmp_path, "report", "list", "--resolved").stdout
    assert report["id"] in done and "resolved" in done
    assert report["id"] in parley(server, tmp_path, "report", "list", "--all").stdout
    again = parley(server, tmp_path, "report", "resolve", report["id"])
    assert again.returncode == 0
    for bad in ("999999", "abc"):
        missing = parley(server, tmp_path, "report", "resolve", bad)
        assert missing.returncode == 1 and "no report" in missing.stderr
