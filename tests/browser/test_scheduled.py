"""Scheduling a post from the web UI: "Post later" on the compose page, the list of waiting
posts (private until their time), a too-early time refused with the text kept, cancelling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from browser.helpers import Browsers, People, assert_accessible


def _local(delta: timedelta) -> str:
    # The browser runs on this machine, so its local time is this process's local time.
    return (datetime.now() + delta).strftime("%Y-%m-%dT%H:%M")


def test_schedule_a_post_then_cancel_it(browsers: Browsers, people: People) -> None:
    sam = people.new("sam", "Sam")
    page = people.sign_in(browsers.page(), sam)
    page.goto("/compose")
    page.locator("#compose-text").fill("Good morning, future readers")
    page.locator("#compose-later").fill(_local(timedelta(minutes=1)))
    page.get_by_role("button", name="Post").click()
    page.get_by_text("Pick a time at least five minutes from now.").wait_for()
    assert page.locator("#compose-text").input_value() == "Good morning, future readers"

    page.locator("#compose-later").fill(_local(timedelta(hours=2)))
    page.get_by_role("button", name="Post").click()
    page.wait_for_url("**/scheduled")
    assert "Good morning, future readers" in page.locator(".scheduled-posts").inner_text()
    assert_accessible(page)
    assert people.api(sam, "GET", f"/api/v1/accounts/{sam.account_id}/statuses") == []
    waiting = people.api(sam, "GET", "/api/v1/scheduled_statuses")
    assert [s["params"]["text"] for s in waiting] == ["Good morning, future readers"]
    expected = datetime.now(UTC) + timedelta(hours=2)
    scheduled_at = datetime.fromisoformat(waiting[0]["scheduled_at"].replace("Z", "+00:00"))
    assert abs((scheduled_at - expected).total_seconds()) < 120  # the minute it was set for

    page.get_by_role("button", name="Cancel this post").click()
    page.get_by_text("Nothing scheduled.").wait_for()
    assert people.api(sam, "GET", "/api/v1/scheduled_statuses") == []
