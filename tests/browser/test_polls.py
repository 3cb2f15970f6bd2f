"""Polls in the web UI: composing one, voting in place (htmx) and without JavaScript, the
results shown after voting; axe-checked."""

from __future__ import annotations

from typing import Any

from browser.helpers import Browsers, People, Person, assert_accessible


def _ask(people: People, author: Person, *options: str, multiple: bool = False
         ) -> dict[str, Any]:
    return people.api(author, "POST", "/api/v1/statuses", **{
        "status": "Pick a colour", "poll[options][]": list(options),
        "poll[expires_in]": "3600", "poll[multiple]": "true" if multiple else "false"})


def test_vote_in_a_poll_and_see_the_results(browsers: Browsers, people: People) -> None:
    ann, bea = people.new("ann", "Ann"), people.new("bea", "Bea")
    status = _ask(people, ann, "Red", "Blue", "Green")
    page = people.sign_in(browsers.page(), bea)
    page.goto(f"/@{ann.username}/{status['id']}")
    poll = page.locator(".poll").first
    assert_accessible(page)
    poll.get_by_label("Blue").check()
    poll.get_by_role("button", name="Vote").click()
    page.locator(".poll-results").first.wait_for()
    results = page.locator(".poll").first.inner_text()
    assert "Blue (your vote)" in results and "100%" in results
    assert_accessible(page)
    seen = people.api(bea, "GET", f"/api/v1/polls/{status['poll']['id']}")
    assert seen["own_votes"] == [1]


def test_vote_without_javascript_in_a_multiple_choice_poll(browsers: Browsers,
                                                          people: People) -> None:
    cal, dee = people.new("cal", "Cal"), people.new("dee", "Dee")
    status = _ask(people, cal, "Tea", "Coffee", multiple=True)
    page = people.sign_in(browsers.page(javascript=False), dee)
    page.goto(f"/@{cal.username}/{status['id']}")
    poll = page.locator(".poll").first
    poll.get_by_label("Tea").check()
    poll.get_by_label("Coffee").check()
    poll.get_by_role("button", name="Vote").click()
    page.locator(".poll-results").first.wait_for()
    assert people.api(dee, "GET", f"/api/v1/polls/{status['poll']['id']}")["own_votes"] == [0, 1]


def test_compose_a_poll(browsers: Browsers, people: People) -> None:
    eve = people.new("eve", "Eve")
    page = people.sign_in(browsers.page(), eve)
    page.goto("/compose")
    page.locator("#compose-text").fill("Lunch?")
    page.get_by_text("Add a poll").click()
    page.get_by_label("Option 1", exact=True).fill("Soup")
    page.get_by_label("Option 2", exact=True).fill("Salad")
    page.get_by_label("Poll length").select_option(label="1 hour")
    assert_accessible(page)
    page.get_by_role("button", name="Post").click()
    page.locator(".poll").first.wait_for()
    [posted] = people.api(eve, "GET", f"/api/v1/accounts/{eve.account_id}/statuses")
    assert [o["title"] for o in posted["poll"]["options"]] == ["Soup", "Salad"]
    assert posted["poll"]["multiple"] is False
