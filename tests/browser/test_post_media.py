"""Posts with images in the browser: composing with two images and their alt text (previews
first), the gallery over blurhash placeholders with the alt text on request and a link to
the full size; the same without JavaScript (a plain multipart form); axe-checked."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from browser.helpers import Browsers, People, assert_accessible


def _image(folder: Path, name: str, colour: tuple[int, int, int]) -> str:
    path = folder / name
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), colour).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_compose_with_two_images_and_alt_text(browsers: Browsers, people: People,
                                              tmp_path: Path) -> None:
    ada = people.new("ada", "Ada")
    page = people.sign_in(browsers.page(), ada)
    page.goto("/compose")
    page.locator("#compose-text").fill("Two colours from the walk")
    page.get_by_text("Add images or a video").click()
    assert page.locator("#compose-file-2").is_hidden()  # one more slot once one is chosen
    page.locator("#compose-file-1").set_input_files(_image(tmp_path, "sea.png", (20, 90, 200)))
    page.get_by_alt_text("Preview of sea.png").wait_for()
    page.locator("#compose-alt-1").fill("A deep blue sea")
    page.locator("#compose-file-2").set_input_files(_image(tmp_path, "moss.png", (40, 160, 60)))
    page.get_by_alt_text("Preview of moss.png").wait_for()
    page.locator("#compose-alt-2").fill("Green moss on a stone")
    assert_accessible(page)
    page.get_by_role("button", name="Post", exact=True).click()
    page.wait_for_url(f"**/@{ada.username}/*")

    post = page.locator("article.focused")
    gallery = post.locator("ul.gallery")
    assert gallery.locator("li").count() == 2
    assert gallery.locator("img.media-file").nth(0).get_attribute("alt") == "A deep blue sea"
    assert (gallery.locator("img.media-blur").first.get_attribute("src") or ""
            ).startswith("data:image/png;base64,")
    alt = gallery.locator("details.media-alt").nth(1)
    assert not alt.locator("p").is_visible()
    alt.locator("summary").click()
    assert alt.locator("p").inner_text() == "Green moss on a stone"
    full = gallery.locator("a.media-full").first.get_attribute("href") or ""
    assert "/media/" in full
    assert page.request.get(full).status == 200
    assert_accessible(page)
    assert not browsers.csp_errors, browsers.csp_errors

    statuses = people.api(ada, "GET", f"/api/v1/accounts/{ada.account_id}/statuses")
    assert [m["description"] for m in statuses[0]["media_attachments"]] == [
        "A deep blue sea", "Green moss on a stone"]
    page.goto("/home")
    assert page.locator("article ul.gallery li").count() == 2


def test_images_without_javascript_and_sensitive(browsers: Browsers, people: People,
                                                 tmp_path: Path) -> None:
    bo = people.new("bo", "Bo")
    page = people.sign_in(browsers.page(javascript=False), bo)
    page.goto("/")
    form = page.locator("form.compose").first
    form.locator("textarea[name=text]").fill("Plain upload")
    form.get_by_text("Add images or a video").click()
    form.locator("input[name=file_1]").set_input_files(_image(tmp_path, "a.png", (200, 30, 30)))
    form.locator("textarea[name=alt_1]").fill("A red card")
    form.get_by_label("Mark the media as sensitive").check()
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/@{bo.username}/*")
    post = page.locator("article.focused")
    hidden = post.locator("details.media-sensitive")
    assert not hidden.locator("img.media-file").is_visible()
    hidden.locator("summary").first.click()
    assert hidden.locator("img.media-file").get_attribute("alt") == "A red card"
    seen = people.sign_in(browsers.page(), bo)  # axe needs JavaScript
    seen.goto(page.url)
    assert_accessible(seen)

    page.goto("/compose")
    page.locator("#compose-text").fill("")
    page.get_by_text("Add images or a video").click()
    fake = tmp_path / "notes.png"
    fake.write_text("not a picture at all")
    page.locator("#compose-file-1").set_input_files(str(fake))
    page.get_by_role("button", name="Post", exact=True).click()
    page.get_by_text("That file is not an image, a video or a sound.").wait_for()
    assert len(people.api(bo, "GET", f"/api/v1/accounts/{bo.account_id}/statuses")) == 1
