"""Remote media across two Parley servers: a post with an image on A reaches B, whose job
fetches the file from A and stores it through the media pipeline, so that B's clients get
B's URL (and the description, focus and blurhash A sent); until then, and for good when B
rejects A's media, `url` is null and `remote_url` A's."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image

from e2e.test_admin import make_staff
from support.clients import Clients, SchemaLog, TestUser, eventually
from support.federation import federating, follow_across, handle
from support.server import LiveServer


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, LiveServer]]:
    with federating(tmp_path_factory, "media", 2) as (a, b):
        yield a, b


@pytest.fixture(scope="module")
def sides(servers: tuple[LiveServer, LiveServer], schema_log: SchemaLog
          ) -> tuple[Clients, Clients]:
    return Clients(servers[0], schema_log), Clients(servers[1], schema_log)


def _png(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "PNG")
    return out.getvalue()


def _following(reader: TestUser, author: TestUser, author_server: LiveServer) -> None:
    remote = follow_across(reader, author, author_server)
    assert eventually(
        lambda: reader.api.account_relationships(remote["id"])[0]["following"], timeout=20)


def _arrived(reader: TestUser, uri: str) -> dict[str, Any]:
    found = eventually(lambda: [s for s in reader.api.timeline_home() if s["uri"] == uri],
                       timeout=20)
    assert found, f"{uri} did not arrive"
    return dict(found[0])


def _post_image(author: TestUser, colour: str) -> tuple[dict[str, Any], dict[str, Any]]:
    media = author.api.media_post(_png(colour), mime_type="image/png",
                                  description=f"a {colour} square", focus=(0.5, -0.25))
    post = author.api.status_post(f"{colour} square", media_ids=[media["id"]])
    return post, post["media_attachments"][0]


def test_an_image_arrives_with_a_local_url(servers: tuple[LiveServer, LiveServer],
                                           sides: tuple[Clients, Clients]) -> None:
    a, b = servers
    alice, bob = sides[0].new_user("alice"), sides[1].new_user("bob")
    _following(bob, alice, a)
    post, sent = _post_image(alice, "red")
    assert sent["url"].startswith(a.base_url)

    def processed() -> dict[str, Any] | None:
        attachment = _arrived(bob, post["uri"])["media_attachments"][0]
        return attachment if attachment["url"] else None

    attachment = eventually(processed, timeout=60)
    assert attachment, "the image was not fetched"
    assert urlsplit(attachment["url"]).netloc == urlsplit(b.base_url).netloc
    assert attachment["type"] == "image"
    assert attachment["remote_url"] == sent["url"]
    assert attachment["description"] == "a red square"
    assert attachment["meta"]["focus"] == {"x": 0.5, "y": -0.25}
    assert attachment["meta"]["original"]["width"] == 64
    assert attachment["blurhash"]
    assert attachment["preview_url"].startswith(b.base_url)
    with httpx.Client(timeout=10) as http:
        stored = http.get(attachment["url"])
        assert stored.status_code == 200
        assert Image.open(io.BytesIO(stored.content)).size == (64, 48)
    # The post's thread view and the status itself say the same (one document on the row).
    status = bob.api.status(_arrived(bob, post["uri"])["id"])
    assert status["media_attachments"][0]["url"] == attachment["url"]


def test_rejected_media_stay_remote(servers: tuple[LiveServer, LiveServer],
                                    sides: tuple[Clients, Clients], schema_log: SchemaLog,
                                    tmp_path: Path) -> None:
    a, b = servers
    carol, dan = sides[0].new_user("carol"), sides[1].new_user("dan")
    _following(dan, carol, a)
    admin = make_staff(b, tmp_path, schema_log, "admin")
    domain = urlsplit(a.base_url).netloc
    block = admin.admin_create_domain_block(domain, severity="noop", reject_media=True)
    try:
        post, sent = _post_image(carol, "blue")
        attachment = _arrived(dan, post["uri"])["media_attachments"][0]
    finally:
        admin.admin_delete_domain_block(block["id"])
    assert attachment["url"] is None and attachment["preview_url"] is None
    assert attachment["remote_url"] == sent["url"]
    assert attachment["type"] == "image"
    assert attachment["description"] == "a blue square"
    copy = _arrived(dan, post["uri"])
    assert copy["account"]["acct"] == handle(carol, a)
    # The web page links to the file on A and never embeds it (no reader's browser is sent
    # to a server whose media this one refuses).
    with httpx.Client(base_url=b.base_url, timeout=10) as http:
        page = http.get(f"/@{handle(carol, a)}/{copy['id']}").text
    assert f'href="{sent["url"]}"' in page and f'src="{sent["url"]}"' not in page
    assert "From " + domain in page
