"""A link preview card under a post in the web UI: title, description and provider, the
title linking to the page, the image Parley stored over its blurhash placeholder;
accessible."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from browser.helpers import Browsers, People, assert_accessible

PAGE = b"""<!doctype html><html><head><title>fallback</title>
<meta property="og:title" content="How to run a meeting">
<meta property="og:description" content="Short ones, mostly.">
<meta property="og:site_name" content="Meeting Notes">
<meta property="og:image" content="/table.jpg">
<meta property="og:image:alt" content="A round table">
</head><body>the page</body></html>"""


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (90, 60, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


TABLE = _jpeg()


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        kind, body = ("image/jpeg", TABLE) if self.path == "/table.jpg" else ("text/html", PAGE)
        self.send_response(200)
        self.send_header("content-type", kind)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_post_shows_its_link_card(browsers: Browsers, people: People, site: str) -> None:
    rita = people.new("rita", "Rita")
    url = f"{site}/meetings"
    post = people.api(rita, "POST", "/api/v1/statuses", status=f"Worth reading: {url}")
    deadline = time.monotonic() + 15
    while (people.api(rita, "GET", f"/api/v1/statuses/{post['id']}")["card"] is None
           and time.monotonic() < deadline):
        time.sleep(0.1)
    page = people.sign_in(browsers.page(), rita)
    page.goto(f"/@{rita.username}/{post['id']}")
    card = page.locator(f"#post-{post['id']} .link-card").first
    card.wait_for()
    assert "Meeting Notes" in card.inner_text()
    assert "Short ones, mostly." in card.inner_text()
    link = card.get_by_role("link", name="How to run a meeting")
    assert link.get_attribute("href") == url
    # The image is Parley's stored copy (not the site's), loaded over its placeholder.
    image = card.get_by_alt_text("A round table")
    source = image.get_attribute("src") or ""
    assert "/media/cards/" in source and not source.startswith(site)
    image.scroll_into_view_if_needed()
    page.wait_for_function("image => image.complete && image.naturalWidth > 0",
                           arg=image.element_handle())
    assert (card.locator("img.media-blur").get_attribute("src") or ""
            ).startswith("data:image/png;base64,")
    assert_accessible(page)
    assert not browsers.csp_errors, browsers.csp_errors
