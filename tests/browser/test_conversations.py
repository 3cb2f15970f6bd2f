"""The conversation-first web UI in a real browser: sign up, post, a reply arriving live in
another person's open page, a three-way conversation as a tree, Waiting for you, grouped
notifications."""

from __future__ import annotations

from browser.helpers import (
    Browsers,
    People,
    assert_accessible,
    post_from,
    screenshot,
    sign_up,
    unique,
)


def test_sign_up_post_and_see_it(browsers: Browsers) -> None:
    page = browsers.page()
    name = sign_up(page, unique("ada"), display_name="Ada Lovelace")
    assert page.get_by_role("heading", name="Conversations").is_visible()
    post_from(page, "Hello, Parley! Who wants to talk about engines?")
    page.wait_for_url(f"**/@{name}/*")
    focused = page.locator("article.focused")
    assert "Who wants to talk about engines?" in focused.inner_text()
    page.goto(f"/@{name}")
    assert "Hello, Parley!" in page.locator("ol.feed").inner_text()
    assert_accessible(page)
    screenshot(page, "profile")


def reply_to(page, post_id: str, text: str) -> str:  # type: ignore[no-untyped-def]
    """Answer in the post's in-place reply box; returns the new reply's id."""
    details = page.locator(f"#post-{post_id} details.reply-box")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    box = details.locator("form.compose")
    box.locator("textarea").fill(text)
    box.locator("button[type=submit]").click()
    page.wait_for_url("**#post-*")
    return str(page.url.rsplit("#post-", 1)[1])


def test_reply_arrives_live_and_three_way_tree(browsers: Browsers, people: People) -> None:
    a, b, c = (people.new(name.lower(), name) for name in ("Alice", "Bob", "Carol"))
    alice, bob, carol = (people.sign_in(browsers.page(), person) for person in (a, b, c))
    alice.goto("/")
    post_from(alice, "One word: tea?")
    alice.wait_for_url(f"**/@{a.username}/*")
    thread_url = alice.url.split("#")[0]
    root_id = thread_url.rsplit("/", 1)[1]
    alice.wait_for_selector("ol.tree.is-live")  # the live stream is open

    bob.goto(thread_url)
    prefilled = bob.locator(f"#post-{root_id} form.compose textarea").input_value()
    assert prefilled == f"@{a.username} "
    bob_id = reply_to(bob, root_id, f"@{a.username} Tea, always. Earl Grey.")

    # Alice never reloads: Bob's reply appears under her post by itself.
    live_reply = alice.locator(f"#replies-{root_id} > li #post-{bob_id}")
    live_reply.wait_for()
    assert "Earl Grey" in live_reply.inner_text()
    assert "New reply from Bob" in alice.locator("[data-live-status]").inner_text()

    carol.goto(f"/@{b.username}/{bob_id}")
    carol_id = reply_to(carol, bob_id,
                        f"@{b.username} @{a.username} Earl Grey is for the brave. Green tea!")
    alice.locator(f"#replies-{bob_id} > li #post-{carol_id}").wait_for()
    alice_id = reply_to(alice, carol_id, f"@{c.username} green tea it is, for all three")

    # The tree: Alice's post > Bob's reply > Carol's reply > Alice's answer.
    tree = alice.locator("ol.tree")
    assert tree.locator(f"#replies-{root_id} > li > #post-{bob_id}").count() == 1
    assert tree.locator(f"#replies-{bob_id} > li > #post-{carol_id}").count() == 1
    assert tree.locator(f"#replies-{carol_id} > li > #post-{alice_id}").count() == 1
    assert tree.locator(f"#replies-{root_id} #replies-{bob_id} #replies-{carol_id}").count() == 1
    assert tree.locator(f"#replies-{root_id} > li").count() == 1
    assert tree.locator("article").count() == 4
    replying = tree.locator(f"#post-{carol_id} .replying").inner_text()
    assert f"@{b.username}" in replying
    people_box = alice.locator("section.participants").inner_text()
    assert "3 people in this conversation" in people_box
    for display in ("Alice", "Bob", "Carol"):
        assert display in people_box
    assert alice.locator("article.focused").get_attribute("id") == f"post-{root_id}"
    assert_accessible(alice)
    alice.goto(thread_url)
    screenshot(alice, "conversation-tree")
    mobile = people.sign_in(browsers.page(mobile=True), c)
    mobile.goto(f"/@{c.username}/{carol_id}")
    assert mobile.locator(f"article.focused#post-{carol_id}").is_visible()
    screenshot(mobile, "conversation-phone")

    # The Conversations tab lists the thread with its participants and newest replies.
    bob.goto("/")
    conversation = bob.locator("li.conversation").first
    assert "One word: tea?" in conversation.inner_text()
    assert "green tea it is" in conversation.inner_text()
    assert conversation.locator(".people img").count() == 3
    assert_accessible(bob)
    screenshot(bob, "conversations")


def test_waiting_for_you_clears_after_answering(browsers: Browsers, people: People) -> None:
    w, b, c = people.new("wanda", "Wanda"), people.new("bruno", "Bruno"), people.new("cleo")
    people.api(b, "POST", "/api/v1/statuses", status=f"@{w.username} coming to the picnic?")
    people.api(c, "POST", "/api/v1/statuses", status=f"@{w.username} lend me your bicycle?")
    own = people.api(w, "POST", "/api/v1/statuses", status="My own post")
    people.api(b, "POST", "/api/v1/statuses", status="A reply Wanda liked",
               in_reply_to_id=own["id"])
    liked = people.api(b, "POST", "/api/v1/statuses", status=f"@{w.username} liked one")
    people.api(w, "POST", f"/api/v1/statuses/{liked['id']}/favourite")

    page = people.sign_in(browsers.page(), w)
    page.goto("/waiting")
    items = page.locator("li.waiting-item")
    assert items.count() == 3
    assert "picnic" in items.nth(0).inner_text()  # oldest first
    assert "bicycle" in items.nth(1).inner_text()
    assert "A reply Wanda liked" in items.nth(2).inner_text()
    assert page.locator(".primary-nav .badge").inner_text() == "3"
    assert_accessible(page)
    screenshot(page, "waiting-for-you")

    first = items.nth(0)
    first.locator("details.reply-box summary").click()
    first.locator("form.compose textarea").fill("wouldn't miss it!")
    first.locator("form.compose button[type=submit]").click()
    page.wait_for_url("**/waiting#post-*")
    assert page.locator("li.waiting-item").count() == 2
    assert "bicycle" in page.locator("li.waiting-item").first.inner_text()

    page.locator("li.waiting-item").first.get_by_role("button", name="Like").click()
    page.locator("li.waiting-item").first.get_by_role("button", name="Liked").wait_for()
    page.locator("li.waiting-item").nth(1).get_by_role("button", name="Dismiss").click()
    page.get_by_text("Dismissed.").wait_for()
    page.goto("/waiting")
    assert page.locator("li.waiting-item").count() == 0
    assert "Nobody is waiting for you" in page.locator("main").inner_text()
    assert people.api(w, "GET", "/api/parley/waiting") == []


def test_notifications_are_grouped(browsers: Browsers, people: People) -> None:
    host = people.new("host", "Hostess")
    post = people.api(host, "POST", "/api/v1/statuses", status="A one-word post: cake")
    for name in ("Ann", "Ben", "Cy"):
        guest = people.new(name.lower(), name)
        page = people.sign_in(browsers.page(), guest)
        page.goto(f"/@{host.username}/{post['id']}")
        page.locator("article.focused").get_by_role("button", name="Like").click()
        page.locator("article.focused").get_by_role("button", name="Liked").wait_for()
        reply_to(page, post["id"], f"@{host.username} yes please, {name} wants cake")
    page = people.sign_in(browsers.page(), host)
    page.goto("/notifications")
    summaries = page.locator(".notification-summary").all_inner_texts()
    assert any("3 people replied to your post" in s for s in summaries), summaries
    assert any("Cy and 2 other people liked your post" in s for s in summaries), summaries
    assert page.locator("li.notification").count() == 2
    assert_accessible(page)
    screenshot(page, "notifications")
