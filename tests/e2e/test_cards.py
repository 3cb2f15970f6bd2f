"""Link preview cards through Mastodon.py: a post's first link, served on 127.0.0.1 by a small
site, is fetched by a background job; its card appears on the status (OpenGraph page, oEmbed
video) with its image stored and served by Parley (shrunk, metadata gone; a decompression
bomb gives a card without image), arrives live as status.update, drops with the link on
edit, and trends once several people share it. Pages too large, redirect loops and non-HTML
answers give no card."""

from __future__ import annotations

import contextlib
import io
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image, PngImagePlugin
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from e2e.test_read_model import CountingReader
from parley.cards.models import PreviewCard
from parley.posts.rows import load_page
from parley.store.rawwrite import SessionSql
from support import media_files
from support.clients import Clients, TestUser, eventually
from support.database import ServerDatabase
from support.server import LiveServer
from support.streams import streaming

ARTICLE = """<!doctype html><html lang="en-GB"><head><title>Plain title</title>
<meta property="og:title" content="Living Life to the Hilt">
<meta property="og:description" content="Advice, in a few words.">
<meta property="og:site_name" content="Peters' Notes">
<meta property="og:image" content="/hilt.png">
<meta property="og:image:alt" content="A sword's hilt">
<meta name="author" content="Tom Peters">
<meta property="article:published_time" content="2026-11-30T08:00:00Z">
</head><body><p>The article.</p></body></html>"""
VIDEO_PAGE = """<html><head><title>A video page</title>
<link rel="alternate" type="application/json+oembed" href="/oembed.json?v=1">
</head><body>video</body></html>"""
OEMBED = {"type": "video", "version": "1.0", "title": "Cats at play", "author_name": "Ana",
          "author_url": "https://tube.test/@ana", "provider_name": "Tube",
          "provider_url": "https://tube.test/", "thumbnail_url": "/thumb.jpg",
          "width": 640, "height": 360,
          "html": '<iframe src="https://tube.test/embed/1" width="640" height="360" '
                  'onload="alert(1)"></iframe><script>alert(2)</script>'}
BOMB_PAGE = """<html><head><meta property="og:title" content="A bomb of a picture">
<meta property="og:image" content="/bomb.png"></head><body>boom</body></html>"""
SECRET = "the-photographer-lives-here"
SEEN: list[str] = []


def _hilt_png() -> bytes:
    """1280x720 with a text chunk, which the stored copy must not keep."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SECRET)
    buffer = io.BytesIO()
    Image.new("RGB", (1280, 720), (180, 140, 40)).save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


FILES: dict[str, tuple[str, bytes]] = {
    "/hilt.png": ("image/png", _hilt_png()),
    # 80x40, turned a quarter by its EXIF orientation, with a camera and a place in it.
    "/thumb.jpg": ("image/jpeg", media_files.jpeg_with_exif()),
    "/bomb.png": ("image/png", media_files.bomb()),
}


class _Site(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        SEEN.append(self.path)
        path = urlsplit(self.path).path
        if path == "/loop":
            self.send_response(302)
            self.send_header("location", "/loop")
            self.end_headers()
            return
        kind, body = FILES.get(path) or {
            "/article": ("text/html; charset=utf-8", ARTICLE.encode()),
            "/video": ("text/html", VIDEO_PAGE.encode()),
            "/oembed.json": ("application/json", json.dumps(OEMBED).encode()),
            "/huge": ("text/html", b"<title>huge</title>" + b"x" * 1_500_000),
            "/data.json": ("application/json", b'{"title": "not a page"}'),
            "/bomb-article": ("text/html", BOMB_PAGE.encode()),
        }.get(path, ("text/html", b""))
        self.send_response(200 if body else 404)
        self.send_header("content-type", kind)
        self.end_headers()
        # The huge page: Parley stops reading at its limit.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def server_db(server: LiveServer) -> Iterator[ServerDatabase]:
    database = ServerDatabase(server.database_url)
    yield database
    database.loop.run_until_complete(database.db.dispose())
    database.loop.close()


def _card(user: TestUser, status_id: str) -> dict[str, Any] | None:
    card: dict[str, Any] | None = user.api.status(status_id)["card"]
    return card


def _stored(http: httpx.Client, url: str, content_type: str) -> Image.Image:
    """The card image Parley serves at `url`, opened (its bytes kept as `raw`)."""
    answer = http.get(url)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == content_type
    assert answer.headers["content-security-policy"] == "default-src 'none'"
    image = Image.open(io.BytesIO(answer.content))
    image.info["raw"] = answer.content
    return image


def test_an_opengraph_page_becomes_the_posts_card(clients: Clients, site: str,
                                                  server: LiveServer,
                                                  http: httpx.Client) -> None:
    tom = clients.new_user("tom")
    url = f"{site}/article?for=api"
    post = tom.api.status_post(f"@{tom.username} advice for Living Life to the Hilt {url} "
                               f"#hilt and {site}/video?second=1")
    assert post["card"] is None  # fetched after the post, by a job
    card = eventually(lambda: _card(tom, post["id"]), timeout=15)
    assert card is not None
    assert card["url"] == url and card["type"] == "link"
    assert card["title"] == "Living Life to the Hilt"
    assert card["description"] == "Advice, in a few words."
    assert card["provider_name"] == "Peters' Notes"
    assert card["image_description"] == "A sword's hilt"
    assert card["author_name"] == "Tom Peters"
    assert card["authors"] == [{"name": "Tom Peters", "url": "", "account": None}]
    assert card["language"] == "en"
    assert card["published_at"] == datetime(2026, 11, 30, 8, tzinfo=UTC)  # Mastodon.py parses
    assert card["html"] == ""
    # The image is Parley's copy, at Mastodon's card size (640x360 in area), with a blurhash.
    assert card["image"].startswith(f"{server.base_url}/media/cards/")
    assert (card["width"], card["height"]) == (640, 360) and card["blurhash"]
    image = _stored(http, card["image"], "image/png")
    assert image.size == (640, 360) and SECRET.encode() not in image.info["raw"]
    # Every surface reads the same card: timelines too.
    shown = eventually(lambda: [s for s in tom.api.timeline_home() if s["id"] == post["id"]])
    assert shown and shown[0]["card"] == card


def test_an_oembed_video_keeps_only_its_iframe(clients: Clients, site: str,
                                               server: LiveServer,
                                               http: httpx.Client) -> None:
    ana = clients.new_user("viewer")
    post = ana.api.status_post(f"look {site}/video?for=oembed")
    card = eventually(lambda: _card(ana, post["id"]), timeout=15)
    assert card is not None
    assert card["type"] == "video" and card["title"] == "Cats at play"
    assert card["provider_name"] == "Tube" and card["provider_url"] == "https://tube.test/"
    assert card["authors"] == [{"name": "Ana", "url": "https://tube.test/@ana",
                                "account": None}]
    # The provider's thumbnail, stored by Parley; a video card keeps the player's size.
    assert card["image"].startswith(f"{server.base_url}/media/cards/") and card["blurhash"]
    assert (card["width"], card["height"]) == (640, 360)
    thumbnail = _stored(http, card["image"], "image/jpeg")
    assert thumbnail.size == (40, 80)  # turned as its EXIF said, then the EXIF dropped
    assert not thumbnail.getexif() and media_files.CAMERA.encode() not in thumbnail.info["raw"]
    assert card["html"].startswith('<iframe src="https://tube.test/embed/1"')
    assert "script" not in card["html"] and "onload" not in card["html"]


def test_a_bomb_of_an_image_leaves_the_card_without_one(clients: Clients, site: str) -> None:
    user = clients.new_user("bombcard")
    post = user.api.status_post(f"look {site}/bomb-article?for=bomb")
    card = eventually(lambda: _card(user, post["id"]), timeout=15)
    assert card is not None and card["title"] == "A bomb of a picture"
    assert card["image"] is None and card["blurhash"] is None
    assert (card["width"], card["height"]) == (0, 0)


def test_a_refreshed_card_replaces_its_image_file(clients: Clients, site: str,
                                                  server_db: ServerDatabase,
                                                  http: httpx.Client) -> None:
    user = clients.new_user("refresher")
    url = f"{site}/article?for=refresh"
    first = user.api.status_post(f"old news {url}")
    card = eventually(lambda: _card(user, first["id"]), timeout=15)
    assert card is not None and card["image"]

    async def age(session: AsyncSession) -> None:  # as if fetched long ago
        await session.execute(update(PreviewCard).where(PreviewCard.url == url).values(
            fetched_at=datetime(2026, 1, 1, tzinfo=UTC)))

    server_db.write(age)
    second = user.api.status_post(f"still news {url}")

    def refreshed() -> str | None:
        again = _card(user, second["id"])
        return again["image"] if again and again["image"] != card["image"] else None

    new_image = eventually(refreshed, timeout=15)
    assert new_image and http.get(new_image).status_code == 200
    assert _card(user, first["id"])["image"] == new_image  # type: ignore[index]
    server_db.wait_for_jobs()
    assert http.get(card["image"]).status_code == 404  # the replaced file is gone


@pytest.mark.parametrize("path", ["/huge", "/loop", "/data.json", "/missing"])
def test_pages_that_cannot_be_described_give_no_card(clients: Clients, site: str,
                                                      server_db: ServerDatabase,
                                                      path: str) -> None:
    user = clients.new_user("nocard")
    url = f"{site}{path}?for=refusal"
    post = user.api.status_post(f"see {url}")
    assert eventually(lambda: any(seen.startswith(f"{path}?for=refusal") for seen in SEEN),
                      timeout=15)
    server_db.wait_for_jobs()
    assert _card(user, post["id"]) is None


def test_links_that_are_not_fetched(clients: Clients, server: LiveServer,
                                    server_db: ServerDatabase) -> None:
    """Mentions, hashtags and links to this server itself get no card."""
    user = clients.new_user("ownlinks")
    post = user.api.status_post(f"@{user.username} #tagged {server.base_url}/@{user.username}")
    server_db.wait_for_jobs()
    assert _card(user, post["id"]) is None


def test_the_card_arrives_live_and_goes_with_its_link(clients: Clients, site: str) -> None:
    author, reader = clients.new_user("livecard"), clients.new_user("livereader")
    reader.api.account_follow(author.id)
    url = f"{site}/article?for=live"
    with streaming(reader.api.stream_user) as recorder:
        post = author.api.status_post(f"fresh: {url}")

        def carded() -> list[Any]:
            return [s for s in recorder.of("status_update")
                    if s["id"] == post["id"] and s["card"]]

        updates = eventually(carded, timeout=15)
    assert updates and updates[0]["card"]["url"] == url
    assert [s["card"] for s in recorder.of("update") if s["id"] == post["id"]] == [None]
    edited = author.api.status_update(post["id"], "no link any more")
    assert edited["card"] is None and _card(author, post["id"]) is None
    again = author.api.status_update(post["id"], f"it is back: {url}")
    # The card of that URL is fresh: reused, not fetched again.
    assert eventually(lambda: _card(author, again["id"]), timeout=15)


def test_a_link_many_people_share_trends(clients: Clients, site: str,
                                         http: httpx.Client) -> None:
    url = f"{site}/article?for=trends"
    sharers = [clients.new_user("sharer") for _ in range(3)]
    posts = [user.api.status_post(f"everyone reads {url}") for user in sharers]
    for user, post in zip(sharers, posts, strict=True):
        assert eventually(lambda u=user, p=post: _card(u, p["id"]), timeout=15)
    links = clients.anonymous().trending_links()
    found = [link for link in links if link["url"] == url]
    assert found and found[0]["title"] == "Living Life to the Hilt"
    history = found[0]["history"]
    assert len(history) == 7  # Mastodon.py reads the day and the counts as numbers
    assert (int(history[0]["accounts"]), int(history[0]["uses"])) == (3, 3)
    raw = http.get("/api/v1/trends/links", params={"limit": 1})
    assert raw.status_code == 200 and len(raw.json()) == 1
    assert {"day", "uses", "accounts"} == set(raw.json()[0]["history"][0])
    assert all(isinstance(value, str) for value in raw.json()[0]["history"][0].values())


def test_a_page_with_cards_costs_one_statement_more(clients: Clients, site: str,
                                                    server_db: ServerDatabase) -> None:
    user = clients.new_user("cardpage")
    plain = [user.api.status_post(f"plain {n}")["id"] for n in range(3)]
    linked = [user.api.status_post(f"card {n} {site}/article?for=page{n}")["id"]
              for n in range(3)]
    for status_id in linked:
        assert eventually(lambda s=status_id: _card(user, s), timeout=15)

    def statements(ids: list[str]) -> int:
        async def load(session: AsyncSession) -> int:
            reader = CountingReader(SessionSql(session))
            page = await load_page(reader, int(user.id), ids=[int(i) for i in ids])
            assert len(page.posts) == len(ids)
            return reader.statements

        return server_db.read(load)

    assert statements(linked) == statements(plain) + 1
    assert statements(plain + linked) == statements(plain) + 1


def test_the_link_timeline_lists_a_trending_links_posts(clients: Clients, site: str,
                                                        http: httpx.Client) -> None:
    url = f"{site}/article?for=link-timeline"
    sharers = [clients.new_user("linker") for _ in range(3)]
    shy = clients.new_user("shylinker")
    shy.api.account_update_credentials(discoverable=False)
    posts = [user.api.status_post(f"worth reading {url}") for user in [*sharers, shy]]
    for user, post in zip([*sharers, shy], posts, strict=True):
        assert eventually(lambda u=user, p=post: _card(u, p["id"]), timeout=15)
    sharers[0].api.status_post(f"only my followers: {url}", visibility="private")

    listed = clients.anonymous().timeline_link(url)
    # Public posts by discoverable accounts, newest first (Mastodon's link feed).
    assert [status["id"] for status in listed] == [post["id"] for post in posts[2::-1]]
    first = http.get("/api/v1/timelines/link", params={"url": url, "limit": 2})
    assert [s["id"] for s in first.json()] == [posts[2]["id"], posts[1]["id"]]
    older = httpx.URL(first.links["next"]["url"])
    assert [s["id"] for s in http.get(older.raw_path.decode()).json()] == [posts[0]["id"]]

    for params, status in (({"url": f"{site}/article?for=nobody"}, 404), ({}, 400),
                           ({"url": " "}, 400)):
        answer = http.get("/api/v1/timelines/link", params=params)
        assert answer.status_code == status and "error" in answer.json(), params
