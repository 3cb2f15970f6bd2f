"""The rest of the web UI in a browser: direct messages as a chat, search, forms that keep
what was typed, everything without JavaScript, profile settings with an avatar."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from browser.helpers import Browsers, People, assert_accessible, post_from, screenshot


def test_direct_message_thread(browsers: Browsers, people: People) -> None:
    d, e = people.new("dora", "Dora"), people.new("eli", "Eli")
    dora, eli = people.sign_in(browsers.page(), d), people.sign_in(browsers.page(), e)
    dora.goto("/messages")
    dora.get_by_text("New message").click()
    post_from(dora, f"@{e.username} psst, surprise party for Fay on Friday", form="#new-message")
    dora.wait_for_url("**/messages#post-*")

    eli.goto("/messages")
    summary = eli.locator("li.message-summary").first
    assert "Dora" in summary.inner_text() and "surprise party" in summary.inner_text()
    summary.locator("a").click()
    eli.wait_for_url("**/messages/*")
    chat_url = eli.url
    assert eli.locator(".bubble").count() == 1
    assert eli.locator("#chat-text").input_value() == f"@{d.username} "
    post_from(eli, f"@{d.username} I'll bring the cake", form="#chat")
    eli.wait_for_url("**#post-*")
    assert eli.locator(".bubble.mine").count() == 1

    dora.goto(chat_url.split("#")[0])
    dora.wait_for_selector("ol.chat.is-live")
    assert [t.strip() for t in dora.locator(".bubble .content").all_inner_texts()] == [
        f"@{e.username} psst, surprise party for Fay on Friday",
        f"@{d.username} I'll bring the cake"]
    people.api(e, "POST", "/api/v1/statuses", status=f"@{d.username} and candles!",
               visibility="direct", in_reply_to_id=dora.locator(".bubble").last
               .get_attribute("id").removeprefix("post-"))
    dora.locator(".bubble", has_text="and candles!").wait_for()  # arrives live
    assert_accessible(dora)
    screenshot(dora, "direct-messages")
    outsider = people.sign_in(browsers.page(), people.new("nosy"))
    outsider.goto(chat_url.split("#")[0])
    assert "Not found" in outsider.locator("h1").inner_text()


def test_search_people_and_tags(browsers: Browsers, people: People) -> None:
    finder = people.new("finder")
    target = people.new("zebedee", "Zebedee Springs")
    people.api(target, "POST", "/api/v1/statuses", status="Loving #springtime walks")
    page = people.sign_in(browsers.page(), finder)
    page.goto("/search")
    page.get_by_label("Search people, hashtags and posts").fill("zebedee")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search?q=zebedee")
    result = page.locator("section", has=page.get_by_role("heading", name="People"))
    assert "Zebedee Springs" in result.inner_text()
    assert_accessible(page)
    screenshot(page, "search")
    page.goto("/search?q=springtime")
    assert "Loving #springtime walks" in page.locator("ol.feed").inner_text()  # full text
    page.goto("/search?q=%23springtime")
    page.locator(".tag-list").get_by_role("link", name="#springtime").click()
    page.wait_for_url("**/tags/springtime")
    assert "Loving #springtime walks" in page.locator("#feed").inner_text()
    page.goto(f"/@{target.username}")
    page.get_by_role("button", name="Follow").click()
    page.get_by_role("button", name="Unfollow").wait_for()


def test_bad_input_keeps_what_was_typed(browsers: Browsers, people: People) -> None:
    page = people.sign_in(browsers.page(), people.new("typist"))
    page.goto("/")
    long_text = "A long thought. " * 40  # 640 characters, over the 500 limit
    box = page.locator("form.compose").first
    box.locator("textarea[name=text]").fill(long_text)
    assert "too many" in box.locator("output.counter").inner_text()
    box.locator("input[name=spoiler_text]").fill("my warning")
    box.locator("button[type=submit]").click()
    page.wait_for_url("**/compose")
    assert "character limit of 500" in page.get_by_role("alert").inner_text()
    assert page.locator("form.compose textarea[name=text]").input_value() == long_text
    assert page.locator("form.compose input[name=spoiler_text]").input_value() == "my warning"
    assert_accessible(page)
    screenshot(page, "compose-error", full_page=False)

    page.goto("/settings/profile")
    page.get_by_label("Display name").fill("x" * 40)
    page.get_by_label("Bio").fill("Keeps my bio")
    page.get_by_role("button", name="Save profile").click()
    assert "Display name is too long" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Display name").input_value() == "x" * 40
    assert page.get_by_label("Bio").input_value() == "Keeps my bio"

    signup = browsers.page()
    signup.goto("/auth/sign_up")
    signup.locator("#username").fill("not valid!")
    signup.locator("#email").fill("someone@example.com")
    signup.locator("#password").fill("long enough password")
    signup.locator("#password_confirmation").fill("long enough password")
    signup.locator("#agreement").check()
    signup.get_by_role("button", name="Sign up").click()
    assert "Username must contain only" in signup.get_by_role("alert").inner_text()
    assert signup.locator("#username").input_value() == "not valid!"
    assert signup.locator("#email").input_value() == "someone@example.com"


def test_pages_work_without_javascript(browsers: Browsers, people: People) -> None:
    author, reader = people.new("plain", "Plain Author"), people.new("reader", "Reader")
    page = people.sign_in(browsers.page(javascript=False), reader)
    page.goto("/")
    post_from(page, "Posted without any JavaScript")
    page.wait_for_url(f"**/@{reader.username}/*")
    post_id = page.url.split("#")[0].rsplit("/", 1)[1]
    assert "Posted without any JavaScript" in page.locator("article.focused").inner_text()
    other = people.api(author, "POST", "/api/v1/statuses", status="Reply to me, plainly")
    page.goto(f"/@{author.username}/{other['id']}")
    page.locator("article.focused").get_by_role("button", name="Like").click()
    page.locator("article.focused").get_by_role("button", name="Liked").wait_for()
    box = page.locator("article.focused form.compose")
    box.locator("textarea").fill(f"@{author.username} a plain reply")
    box.locator("button[type=submit]").click()
    page.wait_for_url("**#post-*")
    assert page.locator(f"#replies-{other['id']} article").count() == 1
    for path in ("/", "/home", "/waiting", "/notifications", "/messages", "/bookmarks",
                 "/search?q=plain", "/public/local", f"/@{author.username}",
                 f"/@{reader.username}/{post_id}", "/settings/profile", "/settings/apps"):
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        assert page.locator("main h1").count() >= 1, path
    anonymous = browsers.page(javascript=False)
    anonymous.goto(f"/@{author.username}/{other['id']}")
    assert "a plain reply" in anonymous.locator("ol.tree").inner_text()
    assert anonymous.locator("form.compose").count() == 0


def test_profile_settings_with_avatar(browsers: Browsers, people: People,
                                      tmp_path: Path) -> None:
    person = people.new("painter")
    avatar = tmp_path / "avatar.png"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 60, 90)).save(buffer, format="PNG")
    avatar.write_bytes(buffer.getvalue())
    page = people.sign_in(browsers.page(), person)
    page.goto("/settings/profile")
    page.get_by_label("Display name").fill("Painter Pat")
    page.get_by_label("Bio").fill("I paint <b>bold</b> things")
    page.locator("#field_name_0").fill("Website")
    page.locator("#field_value_0").fill("http://127.0.0.1:9/pat")
    page.locator("#avatar").set_input_files(str(avatar))
    page.get_by_label("Approve followers by hand (locked account)").check()
    page.get_by_role("button", name="Save profile").click()
    page.get_by_text("Your profile was saved.").wait_for()
    assert_accessible(page)
    page.goto(f"/@{person.username}")
    source = page.locator(".profile img.avatar").get_attribute("src") or ""
    assert "/media/avatars/" in source
    image = page.request.get(source)
    assert image.status == 200 and image.headers["content-type"] == "image/png"
    assert "I paint <b>bold</b> things" in page.locator(".bio").inner_text()
    assert page.locator(".bio b").count() == 0
    assert "http://127.0.0.1:9/pat" in page.locator(".fields").inner_text()
    screenshot(page, "profile-settings-result")
    account = people.api(person, "GET", "/api/v1/accounts/verify_credentials")
    assert account["avatar"] == source and account["locked"] is True
    page.goto("/settings/apps")
    assert "browser tests" in page.locator(".app-list").inner_text()
