"""Profiles and collections across two Parley servers: a profile change on A (display name,
note, avatar) reaches B through the actor's Update, B showing the avatar from its own copy;
A's followers and following collections are read a page at a time (items only while the
account shows its network), and its outbox lists its public and unlisted posts' Creates and
its reposts' Announces, nothing private."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image

from support.clients import Clients, SchemaLog, TestUser, eventually
from support.federation import AS_JSON, federating, follow_across
from support.server import LiveServer


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, LiveServer]]:
    with federating(tmp_path_factory, "profiles", 2) as (a, b):
        yield a, b


@pytest.fixture(scope="module")
def sides(servers: tuple[LiveServer, LiveServer], schema_log: SchemaLog
          ) -> tuple[Clients, Clients]:
    return Clients(servers[0], schema_log), Clients(servers[1], schema_log)


def _png(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "PNG")
    return out.getvalue()


def _following(reader: TestUser, author: TestUser, author_server: LiveServer
               ) -> dict[str, Any]:
    remote = follow_across(reader, author, author_server)
    assert eventually(
        lambda: reader.api.account_relationships(remote["id"])[0]["following"], timeout=20)
    return remote


def _stored_here(url: str, server: LiveServer) -> bool:
    return urlsplit(url).netloc == urlsplit(server.base_url).netloc and "/media/" in url


def _pixel(url: str) -> tuple[int, int, int]:
    image = Image.open(io.BytesIO(httpx.get(url, timeout=10).content)).convert("RGB")
    assert image.size == (400, 400)
    red, green, blue = image.getpixel((200, 200))
    return red, green, blue


def test_a_profile_change_reaches_a_followers_server(servers: tuple[LiveServer, LiveServer],
                                                    sides: tuple[Clients, Clients]) -> None:
    a, b = servers
    alice, bob = sides[0].new_user("alice"), sides[1].new_user("bob")
    alice.api.account_update_credentials(avatar=_png("red"), avatar_mime_type="image/png")
    remote = _following(bob, alice, a)

    # The avatar she had when B first met her: B's own copy of it.
    first = eventually(lambda: (lambda found: found if _stored_here(found["avatar"], b)
                                else None)(bob.api.account(remote["id"])), timeout=30)
    assert first, "B did not copy the avatar"
    assert first["avatar_static"] == first["avatar"]
    assert _pixel(first["avatar"])[0] > 200

    alice.api.account_update_credentials(display_name="Alice Liddell",
                                         note="Down the rabbit hole",
                                         avatar=_png("blue"), avatar_mime_type="image/png")

    def changed() -> dict[str, Any] | None:
        found = bob.api.account(remote["id"])
        return found if (found["display_name"] == "Alice Liddell"
                         and found["avatar"] != first["avatar"]
                         and _stored_here(found["avatar"], b)) else None

    account = eventually(changed, timeout=30)
    assert account, "B did not take the Update"
    assert "rabbit hole" in account["note"]
    assert _pixel(account["avatar"])[2] > 200  # the new image: blue
    # The copy of the old image is removed once the new one is shown.
    assert eventually(lambda: httpx.get(first["avatar"], timeout=10).status_code == 404,
                      timeout=20)


def _get(url: str) -> httpx.Response:
    return httpx.get(url, headers={"accept": AS_JSON}, timeout=10)


def _document(url: str) -> dict[str, Any]:
    response = _get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/activity+json")
    return dict(response.json())


def _all_pages(collection: dict[str, Any]) -> list[list[Any]]:
    pages, url = [], collection.get("first")
    while url:
        page = _document(url)
        assert page["type"] == "OrderedCollectionPage"
        assert page["partOf"] == collection["id"]
        pages.append(page["orderedItems"])
        url = page.get("next")
        assert len(pages) < 10
    return pages


def test_followers_and_following_pages(servers: tuple[LiveServer, LiveServer],
                                       sides: tuple[Clients, Clients]) -> None:
    a, b = servers
    carol = sides[0].new_user("carol")
    fans = [sides[0].new_user("fan") for _ in range(12)]
    for fan in fans:
        fan.api.account_follow(carol.id)
    dave = sides[1].new_user("dave")
    _following(dave, carol, a)
    carol.api.account_follow(fans[0].id)
    actor = _document(f"{a.base_url}/users/{carol.username}")

    followers = _document(actor["followers"])
    assert followers["type"] == "OrderedCollection" and followers["totalItems"] == 13
    pages = _all_pages(followers)
    assert [len(page) for page in pages] == [12, 1]
    items = [uri for page in pages for uri in page]
    assert items[0] == f"{b.base_url}/users/{dave.username}"  # newest first
    assert set(items) == {f"{a.base_url}/users/{fan.username}" for fan in fans} | {items[0]}
    following = _document(actor["following"])
    assert _all_pages(following) == [[f"{a.base_url}/users/{fans[0].username}"]]

    # A network kept hidden: the sizes only, and no page.
    hidden_network = httpx.patch(f"{a.base_url}/api/v1/accounts/update_credentials",
                                 headers={"authorization": f"Bearer {carol.api.access_token}"},
                                 data={"hide_collections": "true"}, timeout=10)
    assert hidden_network.status_code == 200, hidden_network.text
    hidden = _document(actor["followers"])
    assert hidden["totalItems"] == 13 and "first" not in hidden
    assert _get(f"{actor['followers']}?page=true").status_code == 403


def test_the_outbox_lists_public_posts_only(servers: tuple[LiveServer, LiveServer],
                                            sides: tuple[Clients, Clients]) -> None:
    a, _b = servers
    erin, frank = sides[0].new_user("erin"), sides[0].new_user("frank")
    shared = frank.api.status_post("frank's public post")
    posts = [erin.api.status_post(f"public {n}") for n in range(20)]
    quiet = erin.api.status_post("quiet", visibility="unlisted")
    erin.api.status_post("for followers", visibility="private")
    erin.api.status_post(f"@{frank.username} just you", visibility="direct")
    reply = erin.api.status_post("a reply", in_reply_to_id=posts[0]["id"])
    repost = erin.api.status_reblog(shared["id"])
    actor = _document(f"{a.base_url}/users/{erin.username}")

    outbox = _document(actor["outbox"])
    assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] >= 23
    pages = _all_pages(outbox)
    assert [len(page) for page in pages] == [20, 3]
    items = [item for page in pages for item in page]
    announce = items[0]
    assert announce["type"] == "Announce" and announce["object"] == shared["uri"]
    assert announce["id"] == repost["uri"]
    creates = items[1:]
    assert all(item["type"] == "Create" for item in creates)
    notes = [item["object"] for item in creates]
    assert [note["id"] for note in notes] == [
        reply["uri"], quiet["uri"], *(post["uri"] for post in reversed(posts))]
    assert notes[0]["inReplyTo"] == posts[0]["uri"]
    assert notes[0]["context"] == f"{posts[0]['uri']}/context"
    assert all("for followers" not in note["content"] and "just you" not in note["content"]
               for note in notes)
    assert _get(f"{actor['outbox']}?page=true&max_id=nonsense").status_code == 404
