"""The documents of profiles and collections as Parley writes them (an actor's Update, the
pages of a collection), and the small readers beside them: handles named by WebFinger, the
`:shortcode:`s of custom emoji, and the web's emoji images (in text only, never in a tag)."""

from __future__ import annotations

from datetime import UTC, datetime

from markupsafe import Markup

from parley.accounts.models import Account
from parley.config import Settings
from parley.federation.actors_out import person, update_of
from parley.federation.collections_out import collection_document, page_document
from parley.federation.vocab import PUBLIC
from parley.federation.webfinger_in import split_handle
from parley.media.emoji import shortcodes_in
from parley.posts.emoji_rows import profile_shortcodes
from parley.web.emojis import with_emojis

SETTINGS = Settings(base_url="https://parley.example")
ACTOR = "https://parley.example/users/alice"


def _alice() -> Account:
    return Account(id=1, username="alice", domain=None, uri=ACTOR,
                   url="https://parley.example/@alice", display_name="Alice", note="<p>hi</p>",
                   fields=[{"name": "site", "value": "https://alice.example"}],
                   avatar_url="https://parley.example/media/avatars/1.png", header_url=None,
                   avatar_description="", header_description="", locked=True, bot=False,
                   discoverable=True, indexable=False,
                   created_at=datetime(2026, 1, 2, tzinfo=UTC))


def test_a_profile_update_embeds_the_actor_addressed_to_the_public() -> None:
    actor = person(_alice(), "PEM", SETTINGS)
    first, second = update_of(actor, "17"), update_of(actor, "18")
    assert first["type"] == "Update" and first["actor"] == ACTOR
    assert first["id"] == f"{ACTOR}#updates/17" and first["id"] != second["id"]
    assert first["to"] == [PUBLIC]
    assert "@context" in first and "@context" not in first["object"]
    embedded = first["object"]
    assert embedded["id"] == ACTOR and embedded["type"] == "Person"
    assert embedded["name"] == "Alice" and embedded["manuallyApprovesFollowers"] is True
    assert embedded["icon"]["url"] == "https://parley.example/media/avatars/1.png"
    assert embedded["publicKey"]["publicKeyPem"] == "PEM"


def test_a_collection_names_its_first_page_and_each_page_the_next() -> None:
    uri = f"{ACTOR}/followers"
    shown = collection_document(uri, 13, paged=True)
    assert shown["type"] == "OrderedCollection" and shown["totalItems"] == 13
    assert shown["first"] == f"{uri}?page=true"
    hidden = collection_document(uri, 13, paged=False)
    assert "first" not in hidden and hidden["totalItems"] == 13
    page = page_document(uri, None, ["https://b.example/users/bob"], 42, 13)
    assert page["type"] == "OrderedCollectionPage" and page["partOf"] == uri
    assert page["id"] == f"{uri}?page=true" and page["next"] == f"{uri}?page=true&max_id=42"
    assert page["orderedItems"] == ["https://b.example/users/bob"]
    last = page_document(uri, 42, [], None, 13)
    assert last["id"] == f"{uri}?page=true&max_id=42" and "next" not in last


def test_handles_as_webfinger_names_them() -> None:
    assert split_handle("acct:Ann@Example.COM") == ("Ann", "example.com")
    assert split_handle("@ann@127.0.0.1:8001") == ("ann", "127.0.0.1:8001")
    for bad in ("acct:ann", "ann@", "@example.com", "acct:a@b@c.example", "ann@exa mple.com",
                "ann@-bad.example", "ann@example.com/path"):
        assert split_handle(bad) is None, bad


def test_shortcodes_of_posts_and_profiles() -> None:
    assert shortcodes_in("<p>hi :blobcat: :blob_fox-2: at 10:30</p>", None, "") == {
        "blobcat", "blob_fox-2"}
    assert shortcodes_in("no emoji here", "::") == set()
    remote = Account(display_name="Ann :wave:", note="<p>:heart:</p>",
                     fields=[{"name": ":pin:", "value": "home"}])
    assert profile_shortcodes(remote) == {"wave", "heart", "pin"}


def test_emoji_images_replace_shortcodes_in_text_only() -> None:
    markup = Markup('<p>hi :blobcat: <a href="https://x.example/:blobcat:/">:gone:</a></p>')
    shown = with_emojis(markup, {"blobcat": "emoji/1.png"}, SETTINGS)
    assert shown.count("<img") == 1
    assert ('<img class="emoji" src="https://parley.example/media/emoji/1.png" '
            'alt=":blobcat:" title=":blobcat:"') in shown
    assert 'href="https://x.example/:blobcat:/"' in shown and ":gone:" in shown
    assert with_emojis(markup, {}, SETTINGS) == markup
