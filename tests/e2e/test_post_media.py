"""Media in posts through Mastodon.py: four images with descriptions, edited (reordered,
one dropped, one redescribed) with the history showing each version's attachments,
Mastodon's refusals (each a 422, nothing stored), sensitive media, deletion giving the
uploads back, and a page of posts with media loading in a fixed number of statements."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError
from PIL import Image
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from e2e.test_read_model import CountingReader
from e2e.test_scheduled_posts import _make_due
from parley.posts.media_rows import shown_media
from parley.posts.rows import load_page
from parley.store.rawwrite import SessionSql
from support.clients import Clients, TestUser, eventually
from support.database import ServerDatabase
from support.server import LiveServer

COLOURS = ("red", "green", "blue", "yellow", "purple")


@pytest.fixture
def server_db(server: LiveServer) -> Iterator[ServerDatabase]:
    database = ServerDatabase(server.database_url)
    yield database
    database.loop.run_until_complete(database.db.dispose())
    database.loop.close()


def _png(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "PNG")
    return out.getvalue()


def _upload(user: TestUser, colour: str, description: str | None = None) -> dict[str, Any]:
    media: dict[str, Any] = user.api.media_post(_png(colour), mime_type="image/png",
                                                description=description)
    assert media["type"] == "image" and media["url"]
    return media


def _refused(call: Any, words: str) -> None:
    with pytest.raises(MastodonAPIError) as refused:
        call()
    assert refused.value.args[1] == 422, refused.value.args
    assert words in str(refused.value.args[-1]), refused.value.args


def _set(server_db: ServerDatabase, media_id: str, **values: str) -> None:
    """Change an upload's row as a job would (a video, one still processing)."""
    assignments = ", ".join(f"{column} = :{column}" for column in values)

    async def change(session: AsyncSession) -> None:
        await session.execute(text(f"UPDATE media_attachments SET {assignments} "
                                   "WHERE id = :id"), {**values, "id": int(media_id)})
    server_db.write(change)


def _stored(server_db: ServerDatabase, media: list[dict[str, Any]]) -> int:
    async def count(session: AsyncSession) -> int:
        ids = ", ".join(str(int(m["id"])) for m in media)
        found = await session.scalar(text(f"SELECT count(*) FROM media_attachments "
                                          f"WHERE id IN ({ids})"))
        return int(found or 0)
    return server_db.read(count)


def test_four_images_with_descriptions_then_edited(clients: Clients,
                                                   server_db: ServerDatabase) -> None:
    author = clients.new_user("photos")
    uploads = [_upload(author, colour, f"A {colour} square")
               for colour in COLOURS[:4]]
    post = author.api.status_post("Four squares", media_ids=[m["id"] for m in uploads])
    assert [m["id"] for m in post["media_attachments"]] == [m["id"] for m in uploads]
    assert [m["description"] for m in post["media_attachments"]] == [
        f"A {colour} square" for colour in COLOURS[:4]]
    assert post["sensitive"] is False
    shown = author.api.status(post["id"])
    assert [m["id"] for m in shown["media_attachments"]] == [m["id"] for m in uploads]
    assert shown["media_attachments"][0]["meta"]["small"]["width"] > 0
    home = author.api.timeline_home()
    assert home[0]["id"] == post["id"] and len(home[0]["media_attachments"]) == 4

    first, second, third, fourth = uploads
    edited = author.api.status_update(post["id"], "Three squares", media_attributes=[
        author.api.generate_media_edit_attributes(second["id"], description="Now green"),
        author.api.generate_media_edit_attributes(first["id"]),
        author.api.generate_media_edit_attributes(third["id"])])
    assert [m["id"] for m in edited["media_attachments"]] == [
        second["id"], first["id"], third["id"]]
    assert edited["media_attachments"][0]["description"] == "Now green"
    history = author.api.status_history(post["id"])
    assert [len(version["media_attachments"]) for version in history] == [4, 3]
    assert history[0]["media_attachments"][1]["description"] == "A green square"
    assert history[1]["media_attachments"][0]["description"] == "Now green"
    # The dropped one stays with the post (its history shows it): no other post takes it.
    _refused(lambda: author.api.status_post("again", media_ids=[fourth["id"]]),
             "not found or already attached")

    author.api.status_update(post["id"], "No squares")
    assert author.api.status(post["id"])["media_attachments"] == []
    assert len(author.api.status_history(post["id"])) == 3

    assert _stored(server_db, uploads) == 4
    author.api.status_delete(post["id"])
    assert _stored(server_db, uploads) == 0  # given back to media/: gone with the post
    with pytest.raises(MastodonNotFoundError):
        author.api.media(first["id"])


def test_media_only_reposted_and_quoted(clients: Clients) -> None:
    author, fan = clients.new_user("pictures"), clients.new_user("pfan")
    fan.api.account_follow(author.id)
    media = _upload(author, "red", "Red")
    post = author.api.status_post("", media_ids=[media["id"]], sensitive=True)
    assert post["content"] in ("", "<p></p>") and post["sensitive"] is True
    repost = fan.api.status_reblog(post["id"])
    assert repost["media_attachments"] == []
    assert [m["id"] for m in repost["reblog"]["media_attachments"]] == [media["id"]]
    quote = fan.api.status_post("look", quoted_status_id=post["id"])
    quoted = quote["quote"]["quoted_status"]
    assert [m["id"] for m in quoted["media_attachments"]] == [media["id"]]
    spoiled = author.api.status_post("cw", spoiler_text="careful",
                                     media_ids=[_upload(author, "blue")["id"]])
    assert spoiled["sensitive"] is True


def test_refusals_answer_422_and_store_nothing(clients: Clients,
                                              server_db: ServerDatabase) -> None:
    author, other = clients.new_user("refused"), clients.new_user("stranger")
    five = [_upload(author, colour)["id"] for colour in COLOURS]
    post = author.api.status_post
    _refused(lambda: post("too many", media_ids=five), "Cannot attach more than 4 files")
    theirs = _upload(other, "red")["id"]
    _refused(lambda: post("not mine", media_ids=[five[0], theirs]),
             f"Media {theirs} not found or already attached to another post")
    _refused(lambda: post("unknown", media_ids=["12345"]), "Media 12345 not found")
    _refused(lambda: post("garbage", media_ids=["abc"]), "Media abc not found")
    _set(server_db, five[1], type="video")
    _refused(lambda: post("mixed", media_ids=[five[0], five[1]]),
             "Cannot attach a video to a post that already contains images")
    _set(server_db, five[2], state="processing")
    _refused(lambda: post("not ready", media_ids=[five[2]]), "not finished processing")
    _refused(lambda: post("", media_ids=[]), "Text can't be blank")
    assert author.api.account_statuses(author.id) == []

    video = post("a video alone", media_ids=[five[1]])
    assert [m["type"] for m in video["media_attachments"]] == ["video"]
    _refused(lambda: post("taken", media_ids=[five[1]]), "already attached")
    kept = post("kept", media_ids=[five[0]])
    _refused(lambda: author.api.status_update(kept["id"], "too many", media_ids=five),
             "Cannot attach more than 4 files")
    _refused(lambda: author.api.status_update(kept["id"], "stolen", media_ids=[five[1]]),
             "already attached")
    assert [m["id"] for m in author.api.status(kept["id"])["media_attachments"]] == [five[0]]


def test_a_page_with_media_runs_no_more_statements(
        clients: Clients, server_db: ServerDatabase) -> None:
    author = clients.new_user("pagemedia")
    text_only = [author.api.status_post(f"words {i}")["id"] for i in range(4)]
    with_media = [author.api.status_post(f"image {i}", media_ids=[
        _upload(author, colour)["id"] for colour in COLOURS[:1 + i % 4]])["id"]
        for i in range(6)]

    def statements(ids: list[str]) -> tuple[int, int]:
        async def load(session: AsyncSession) -> tuple[int, int]:
            reader = CountingReader(SessionSql(session))
            page = await load_page(reader, int(author.id), ids=[int(i) for i in ids])
            shown = sum(len(shown_media(post.id, post.media_shown)) for post in page.posts)
            return reader.statements, shown
        return server_db.read(load)

    plain, none = statements(text_only)
    assert none == 0
    small, some = statements(with_media[:2])
    large, every = statements(with_media + text_only)
    assert (some, every) == (1 + 2, sum(1 + i % 4 for i in range(6)))
    assert small == large == plain  # the attachments come with the post rows


def test_a_scheduled_post_takes_its_media_when_published(clients: Clients) -> None:
    author = clients.new_user("laterpics")
    media = [_upload(author, colour, f"{colour} later") for colour in COLOURS[:2]]
    scheduled = author.api.status_post("Later, with pictures",
                                       media_ids=[m["id"] for m in media],
                                       scheduled_at=datetime.now(UTC) + timedelta(hours=1))
    assert scheduled["params"]["media_ids"] == [m["id"] for m in media]
    assert [m["id"] for m in scheduled["media_attachments"]] == [m["id"] for m in media]
    listed = author.api.scheduled_statuses()
    assert [m["description"] for m in listed[0]["media_attachments"]] == [
        "red later", "green later"]
    _refused(lambda: author.api.status_post(
        "later", media_ids=["999"], scheduled_at=datetime.now(UTC) + timedelta(hours=1)),
        "Media 999 not found")
    _make_due(clients.server.database_url, scheduled["id"])
    posted = eventually(lambda: author.api.account_statuses(author.id), timeout=15)
    assert [m["id"] for m in posted[0]["media_attachments"]] == [m["id"] for m in media]
