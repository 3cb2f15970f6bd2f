"""The moderation pages: a moderator opens the reports queue, reads a report, suspends the
reported account with a reason (which resolves the report), and finds it in the audit log;
a plain user is refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from browser.helpers import PASSWORD, Browsers, People, Person, assert_accessible, unique
from support.server import LiveServer


def make_moderator(live: LiveServer, tmp_path: Path, role: str = "moderator") -> Person:
    """A member of staff (a moderator unless `role` says otherwise), made with the CLI."""
    name = unique(role[:5])
    env = {**os.environ, "PARLEY_DATABASE_URL": live.database_url,
           "PARLEY_BASE_URL": live.base_url, "PARLEY_DATA_DIR": str(tmp_path)}
    created = subprocess.run(
        [sys.executable, "-m", "parley", "account", "create", name, "--email",
         f"{name}@example.com", "--password", PASSWORD, "--role", role],
        env=env, text=True, capture_output=True, timeout=120, check=False)
    assert created.returncode == 0, created.stderr
    found = httpx.get(f"{live.base_url}/api/v1/accounts/lookup", params={"acct": name}).json()
    return Person(name, int(found["id"]), "")


def test_moderator_suspends_through_a_report(browsers: Browsers, people: People,
                                             live: LiveServer, tmp_path: Path) -> None:
    reporter, target = people.new("reporter"), people.new("troll")
    post = people.api(target, "POST", "/api/v1/statuses", status="buy my stuff")
    people.api(reporter, "POST", "/api/v1/reports", account_id=str(target.account_id),
               status_ids=post["id"], comment="Spam everywhere", category="spam")
    moderator = make_moderator(live, tmp_path)

    page = people.sign_in(browsers.page(), moderator)
    page.goto("/admin")
    page.wait_for_url("**/admin/reports")
    assert_accessible(page)
    page.get_by_role("link", name=f"Report about @{target.username}").click()
    page.get_by_text("buy my stuff").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Assign to me").click()
    page.get_by_role("button", name="Unassign").wait_for()
    page.get_by_label("Suspend").check()
    page.get_by_label("Reason (kept in the audit log)").fill("Spam bot")
    page.get_by_role("button", name="Apply action").click()
    page.locator(".report-status", has_text="Resolved").wait_for()
    assert page.locator(".account-standing").inner_text().startswith("Suspended")
    assert httpx.get(f"{live.base_url}/api/v1/statuses/{post['id']}").status_code == 404

    page.get_by_role("link", name="Audit log").click()
    page.get_by_text("Spam bot").wait_for()
    log = page.locator(".admin-log").inner_text()
    assert f"suspend · account {target.username}" in log and "resolve report" in log
    assert_accessible(page)

    page.goto("/admin/reports")
    assert f"@{target.username}" not in page.locator(".admin-reports").inner_text()


def test_plain_users_are_refused(browsers: Browsers, people: People) -> None:
    plain = people.new("plain")
    page = people.sign_in(browsers.page(), plain)
    for path in ("/admin", "/admin/reports", "/admin/log"):
        response = page.goto(path)
        assert response is not None and response.status == 403, path
