"""Another server's posts and people in the browser: two Parleys federating on 127.0.0.1, a
post with an image made on A and read on B in the home timeline, in its thread (with B's
reply) and on its author's profile there, each showing the server it comes from and a link
to the original, the image served by B; axe-checked, screenshots kept."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

from PIL import Image

from browser.helpers import (
    Browsers,
    People,
    Person,
    api_call,
    assert_accessible,
    follow_elsewhere,
    screenshot,
    until,
)
from support.server import LiveServer


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 200), (200, 120, 30)).save(out, "PNG")
    return out.getvalue()


def _seed(a: LiveServer, b: LiveServer) -> tuple[Person, dict[str, Any], str]:
    """Ana on A posts an image; Ben on B follows her, sees it processed, and answers."""
    ana = People(a.base_url).new("ana", "Ana Remote")
    ben = People(b.base_url).new("ben", "Ben Local")
    handle = f"{ana.username}@{urlsplit(a.base_url).netloc}"
    follow_elsewhere(b.base_url, ben, handle)
    media = api_call(a.base_url, ana, "POST", "/api/v2/media",
                     files={"file": ("sun.png", _png())}, data={"description": "An orange sun"})
    post = api_call(a.base_url, ana, "POST", "/api/v1/statuses", data={
        "status": "Sunset from the other server", "media_ids[]": media["id"]})

    def arrived() -> dict[str, Any] | None:
        copies = [s for s in api_call(b.base_url, ben, "GET", "/api/v1/timelines/home")
                  if s["uri"] == post["uri"]]
        return copies[0] if copies and copies[0]["media_attachments"][0]["url"] else None

    copy = until(arrived)
    api_call(b.base_url, ben, "POST", "/api/v1/statuses",
             data={"status": f"@{handle} lovely", "in_reply_to_id": copy["id"]})
    return ben, copy, handle


def test_remote_posts_show_their_server(pair: tuple[LiveServer, LiveServer], chromium: Any
                                        ) -> None:
    a, b = pair
    ben, copy, handle = _seed(a, b)
    domain = urlsplit(a.base_url).netloc
    browsers = Browsers(chromium, b.base_url)
    try:
        page = People(b.base_url).sign_in(browsers.page(), ben)
        page.goto("/home")
        article = page.locator(f"article#post-{copy['id']}")
        assert article.locator(".acct").first.inner_text() == f"@{handle}"
        origin = article.locator("a.original-link")
        assert origin.get_attribute("href") == copy["url"]
        assert urlsplit(copy["url"]).netloc == domain
        assert domain in article.locator(".origin").inner_text()
        image = article.locator("ul.gallery img.media-file")
        assert image.get_attribute("alt") == "An orange sun"
        assert (image.get_attribute("src") or "").startswith(b.base_url)
        assert_accessible(page)
        screenshot(page, "remote-post-home")

        article.locator("a.permalink").click()
        page.wait_for_url(f"**/@{handle}/{copy['id']}")
        focused = page.locator("article.focused")
        assert focused.locator("a.original-link").get_attribute("href") == copy["url"]
        reply = page.locator("article.post").filter(has_text="lovely")
        assert reply.locator(".acct").first.inner_text() == f"@{ben.username}"
        assert reply.locator("a.original-link").count() == 0  # this server's own post
        assert_accessible(page)
        screenshot(page, "remote-post-thread")

        focused.locator("a.author").click()
        page.wait_for_url(f"**/@{handle}")
        assert page.locator(".profile .acct").inner_text() == f"@{handle}"
        profile_link = page.locator(".profile a.original-link")
        assert urlsplit(profile_link.get_attribute("href") or "").netloc == domain
        assert page.locator(f"article#post-{copy['id']}").count() == 1
        assert_accessible(page)
        screenshot(page, "remote-profile")
        assert not browsers.csp_errors, browsers.csp_errors
    finally:
        browsers.close()
