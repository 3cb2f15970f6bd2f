"""What the server tells everyone, written on the staff pages: an administrator writes,
edits, reorders and retires server rules (sign-up, the instance API and reports show them)
and publishes, edits and deletes an announcement (apps show it); a moderator has neither
page."""

from __future__ import annotations

from pathlib import Path

import httpx

from browser.helpers import Browsers, People, assert_accessible
from browser.test_moderation import make_moderator
from support.server import LiveServer


def _rules(live: LiveServer) -> list[dict[str, str]]:
    found: list[dict[str, str]] = httpx.get(f"{live.base_url}/api/v1/instance/rules").json()
    return found


def test_an_admin_writes_the_server_rules(browsers: Browsers, people: People,
                                          live: LiveServer, tmp_path: Path) -> None:
    admin = make_moderator(live, tmp_path, role="admin")
    page = people.sign_in(browsers.page(), admin)
    page.goto("/admin/rules")
    for text, hint in (("Be kind", "No harassment."), ("No spam", "")):
        page.get_by_label("Rule (up to 300 characters)").fill(text)
        page.get_by_label("Explanation (optional)").last.fill(hint)
        page.get_by_role("button", name="Add rule").click()
        page.get_by_label(f"Rule {len(page.locator('.admin-rule').all())}").wait_for()
    assert [(r["text"], r["hint"]) for r in _rules(live)[-2:]] == [("Be kind", "No harassment."),
                                                                  ("No spam", "")]
    assert_accessible(page)

    count = len(_rules(live))
    page.get_by_role("button", name=f"Move up rule {count}").click()
    page.wait_for_load_state()
    assert [r["text"] for r in _rules(live)[-2:]] == ["No spam", "Be kind"]
    page.get_by_label(f"Rule {count}").fill("Be kind, always")
    page.get_by_role("button", name=f"Save rule {count}").click()
    page.wait_for_load_state()
    assert _rules(live)[-1]["text"] == "Be kind, always"
    page.get_by_label("Rule (up to 300 characters)").fill("   ")
    page.get_by_role("button", name="Add rule").click()
    assert "can't be blank" in page.get_by_role("alert").inner_text()

    # A report may cite a rule in force; a retired one no longer.
    reporter, target = people.new("ruled"), people.new("rulebreaker")
    spam_rule = next(r for r in _rules(live) if r["text"] == "No spam")
    report = people.api(reporter, "POST", "/api/v1/reports", account_id=str(target.account_id),
                        **{"rule_ids[]": spam_rule["id"]})
    assert (report["category"], report["rule_ids"]) == ("violation", [spam_rule["id"]])
    page.get_by_role("button", name=f"Delete rule {count - 1}").click()
    page.wait_for_load_state()
    assert spam_rule["id"] not in [r["id"] for r in _rules(live)]
    refused = httpx.post(f"{live.base_url}/api/v1/reports", headers={
        "Authorization": f"Bearer {reporter.token}"}, data={
        "account_id": str(target.account_id), "rule_ids[]": spam_rule["id"]})
    assert refused.status_code == 422 and "rules" in refused.json()["error"]

    signed_out = browsers.page()
    signed_out.goto("/auth/sign_up")
    assert "Be kind, always" in signed_out.locator(".server-rules").inner_text()
    page.get_by_role("link", name="Audit log").click()
    log = page.locator(".admin-log").inner_text()
    assert "create rule" in log and "destroy rule" in log


def test_an_admin_publishes_an_announcement(browsers: Browsers, people: People,
                                            live: LiveServer, tmp_path: Path) -> None:
    admin = make_moderator(live, tmp_path, role="admin")
    reader = people.new("reader")
    page = people.sign_in(browsers.page(), admin)
    page.goto("/admin/announcements")
    page.get_by_label("Text").first.fill("Maintenance tonight at ten.")
    page.get_by_role("button", name="Add announcement").click()
    page.locator(".admin-announcement .content", has_text="tonight at ten").wait_for()
    assert_accessible(page)

    def shown() -> list[str]:
        return [a["content"] for a in people.api(reader, "GET", "/api/v1/announcements")]

    assert any("Maintenance tonight at ten." in content for content in shown())
    item = page.locator(".admin-announcement", has_text="Maintenance tonight")
    item.locator("summary").click()
    item.get_by_label("Text").fill("Maintenance moved to eleven.")
    item.get_by_role("button", name="Save").click()
    page.locator(".admin-announcement .content", has_text="moved to eleven").wait_for()
    assert any("eleven" in content for content in shown())
    page.locator(".admin-announcement", has_text="eleven").get_by_role(
        "button", name="Delete this announcement").click()
    page.wait_for_load_state()
    assert not any("eleven" in content for content in shown())


def test_a_moderator_has_no_rules_or_announcements_pages(browsers: Browsers, people: People,
                                                         live: LiveServer,
                                                         tmp_path: Path) -> None:
    page = people.sign_in(browsers.page(), make_moderator(live, tmp_path))
    page.goto("/admin/reports")
    menu = page.get_by_role("navigation", name="Moderation").inner_text()
    assert "Reports" in menu and "Server rules" not in menu and "Announcements" not in menu
    for path in ("/admin/rules", "/admin/announcements"):
        assert page.goto(path).status == 403  # type: ignore[union-attr]
