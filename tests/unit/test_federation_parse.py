"""Reading what real servers send: the recorded payloads of Mastodon, GoToSocial, Misskey and
Pleroma/Akkoma (tests/unit/fixtures/federation/) parse into the values Parley keeps, and the
compacted JSON-LD variants peers write (one value or an array, the public collection's three
spellings, objects embedded or by id) read the same; too much is cut or refused."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from parley.federation import parse, parse_actors, parse_notes
from parley.federation.parse import (
    ParsedAttachment,
    ParsedEmoji,
    ParsedMention,
    ParsedPollOption,
    Unreadable,
)
from parley.federation.vocab import PUBLIC

FIXTURES = Path(__file__).parent / "fixtures" / "federation"
ALL = sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.glob("*/*.json"))
BOB = "https://parley.example/users/bob"
BOB_POST = "https://parley.example/users/bob/statuses/7000000000000000001"
BOB_MENTION = ParsedMention(BOB, "@bob@parley.example")


def load(name: str) -> dict[str, Any]:
    document = json.loads((FIXTURES / name).read_text())
    assert isinstance(document, dict)
    return document


def embedded(name: str) -> dict[str, Any]:
    found = load(name)["object"]
    assert isinstance(found, dict)
    return found


def test_there_are_recordings_of_each_server() -> None:
    for server in ("mastodon", "gotosocial", "misskey", "pleroma"):
        names = {name.split("/")[1] for name in ALL if name.startswith(server + "/")}
        assert {"actor_person.json", "create_note_reply.json", "create_note_direct.json",
                "create_note_followers.json", "create_question.json", "create_quote.json",
                "like.json", "announce.json", "accept_follow.json"} <= names, server


@pytest.mark.parametrize("name", ALL)
def test_every_recording_reads(name: str) -> None:
    document = load(name)
    if "actor" not in document:
        assert parse.actor(document).uri == document["id"]
        return
    read = parse.activity(document)
    assert (read.type, read.actor) == (document["type"], document["actor"])
    # Mastodon's Add and Remove come without an id: they are given one.
    assert read.id == document["id"] if read.named else "id" not in document
    value = document.get("object")
    if isinstance(value, dict) and value.get("type") in parse.NOTE_TYPES:
        assert parse.note(value).uri == value["id"]
    if isinstance(value, dict) and value.get("type") in parse.ACTOR_TYPES:
        assert parse.actor(value).uri == value["id"] == read.actor


# Actors ----------------------------------------------------------------------------------

ACTORS: dict[str, dict[str, Any]] = {
    "mastodon/actor_person.json": {
        "uri": "https://mastodon.example/users/alice", "actor_type": "Person", "username": "alice",
        "display_name": "Alice :blobcat:", "url": "https://mastodon.example/@alice",
        "inbox": "https://mastodon.example/users/alice/inbox",
        "shared_inbox": "https://mastodon.example/inbox",
        "followers": "https://mastodon.example/users/alice/followers",
        "featured": "https://mastodon.example/users/alice/collections/featured",
        "key_id": "https://mastodon.example/users/alice#main-key",
        "locked": True, "bot": False, "discoverable": True, "indexable": False,
        "avatar_url": "https://files.mastodon.example/accounts/avatars/000/000/001/original/"
                      "alice.png",
        "header_url": "https://files.mastodon.example/accounts/headers/000/000/001/original/"
                      "alice.jpg",
        "created_at": datetime(2022, 11, 5, tzinfo=UTC),
        "emojis": [ParsedEmoji("blobcat", "https://files.mastodon.example/custom_emojis/images/"
                                          "000/004/711/original/blobcat.png")]},
    "mastodon/actor_service.json": {
        "actor_type": "Service", "username": "weatherbot", "display_name": "", "bot": True,
        "locked": False, "discoverable": False, "indexable": True, "avatar_url": None,
        "header_url": None,
        "key_id": "https://mastodon.example/users/weatherbot#main-key", "fields": [], "emojis": []},
    "gotosocial/actor_person.json": {
        "uri": "https://gts.example/users/bea", "username": "bea", "display_name": "Bea",
        "url": "https://gts.example/@bea", "shared_inbox": None,
        "key_id": "https://gts.example/users/bea/main-key", "locked": False, "bot": False,
        "discoverable": True, "indexable": False,
        "featured": "https://gts.example/users/bea/collections/featured",
        "fields": [{"name": "Allotment", "value": "plot 14"}],
        "avatar_url": "https://gts.example/fileserver/01H0000000AVATAR/attachment/original/"
                      "01H0000000AVATAR.webp"},
    "gotosocial/actor_service.json": {
        "actor_type": "Service", "bot": True, "locked": True, "shared_inbox": None,
        "key_id": "https://gts.example/users/rssbot/main-key", "fields": []},
    "misskey/actor_person.json": {
        "username": "chiyo", "display_name": "Chiyo :neko_wave:",
        "url": "https://misskey.example/@chiyo", "shared_inbox": "https://misskey.example/inbox",
        "key_id": "https://misskey.example/users/9q8r7s6t5u#main-key", "locked": False,
        "bot": False, "discoverable": True,
        "avatar_url": "https://misskey.example/files/webpublic-avatar-chiyo.webp",
        "header_url": "https://misskey.example/files/webpublic-banner-chiyo.webp",
        "emojis": [ParsedEmoji("neko_wave", "https://misskey.example/files/emoji-neko-wave.gif")]},
    "misskey/actor_service.json": {
        "actor_type": "Service", "bot": True, "display_name": "", "summary": "", "avatar_url": None,
        "header_url": None},
    "pleroma/actor_person.json": {
        "uri": "https://pleroma.example/users/dan", "url": "https://pleroma.example/users/dan",
        "shared_inbox": "https://pleroma.example/inbox",
        "key_id": "https://pleroma.example/users/dan#main-key", "discoverable": True,
        "summary": "Bikes, bread and <b>BEAM</b>.",
        "fields": [{"name": "pronouns", "value": "he/him"}],
        "avatar_url": "https://pleroma.example/media/6f1c3c1e-avatar.png",
        "emojis": [ParsedEmoji("firefox", "https://pleroma.example/emoji/firefox.png")]},
    "pleroma/actor_relay.json": {
        "actor_type": "Application", "username": "relay", "bot": True, "display_name": "",
        "featured": None, "outbox": "https://pleroma.example/relay/outbox"},
}


@pytest.mark.parametrize("name", sorted(ACTORS))
def test_actor_values(name: str) -> None:
    read = parse.actor(load(name))
    for key, expected in ACTORS[name].items():
        assert getattr(read, key) == expected, key
    assert read.public_key_pem.startswith("-----BEGIN PUBLIC KEY-----")


def test_mastodon_actor_profile_html_is_sanitised_and_fields_kept() -> None:
    read = parse.actor(load("mastodon/actor_person.json"))
    assert "<script>" not in read.summary and "Knitting" in read.summary
    assert [f["name"] for f in read.fields] == ["Website", "Pronouns"]
    assert 'href="https://alice.example"' in read.fields[0]["value"]


@pytest.mark.parametrize("name", ["mastodon/update_actor.json", "gotosocial/update_actor.json",
                                  "misskey/update_actor.json", "pleroma/update_actor.json"])
def test_update_of_an_actor_carries_the_new_profile(name: str) -> None:
    document = load(name)
    read = parse.activity(document)
    assert (read.type, read.object_type, read.object_id) == ("Update", "Person", read.actor)
    profile = parse.actor(embedded(name))
    assert profile.locked == document["object"]["manuallyApprovesFollowers"]
    assert profile.display_name == document["object"]["name"]


def test_a_key_of_someone_else_is_refused_and_a_list_of_keys_read() -> None:
    document = load("mastodon/actor_person.json")
    document["publicKey"]["owner"] = "https://elsewhere.example/users/mallory"
    with pytest.raises(Unreadable):
        parse.actor(document)
    document = load("mastodon/actor_person.json")
    document["publicKey"] = [{"id": "https://x.example/no-pem"}, document["publicKey"]]
    assert parse.actor(document).key_id == "https://mastodon.example/users/alice#main-key"
    del document["publicKey"]
    with pytest.raises(Unreadable):
        parse.actor(document)


# Notes -----------------------------------------------------------------------------------

REPLIES: dict[str, dict[str, Any]] = {
    "mastodon/create_note_reply.json": {
        "summary": "birds, spoilers for the finale", "sensitive": True, "language": "en",
        "url": "https://mastodon.example/@alice/113510000000000001",
        "hashtags": ["birds", "Harbour"],
        "emojis": [ParsedEmoji("blobcat", "https://files.mastodon.example/custom_emojis/images/"
                                          "000/004/711/original/blobcat.png")],
        "attachments": [
            ParsedAttachment(
                url="https://files.mastodon.example/media_attachments/files/113/510/000/"
                    "original/heron.jpg",
                media_type="image/jpeg",
                description="A grey heron standing in shallow water at dawn",
                blurhash="UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH", focus=(-0.55, 0.43)),
            ParsedAttachment(
                url="https://files.mastodon.example/media_attachments/files/113/510/001/"
                    "original/heron.mp4",
                media_type="video/mp4", description="",
                blurhash="U02rs+WB00of00j[~qj[00ay00j[~qj[", focus=None)]},
    "gotosocial/create_note_reply.json": {
        "summary": "compost talk", "sensitive": True, "language": "en",
        "url": "https://gts.example/@bea/statuses/01JD0000000000000000000001",
        "hashtags": ["compost"],
        "emojis": [ParsedEmoji("rainbow", "https://gts.example/fileserver/01AY6P665V14JJR0AFVRT"
                                          "7311Y/emoji/original/01F8MH9H8E4VG3KDYJR9EGPXCQ.png")],
        "attachments": [ParsedAttachment(
            url="https://gts.example/fileserver/01H000000000ACCOUNT/attachment/original/"
                "01JD00000000000000000MEDIA.jpeg",
            media_type="image/jpeg", description="A bin full of worms and peelings",
            blurhash="LKO2?U%2Tw=w]~RBVZRi};RPxuwH", focus=(0.0, 0.5))]},
    "misskey/create_note_reply.json": {
        "summary": "cat pics (eyes)", "sensitive": True, "language": None, "url": None,
        "hashtags": ["cats", "sketch"],
        "emojis": [ParsedEmoji("neko_wave", "https://misskey.example/files/emoji-neko-wave.gif")],
        "attachments": [
            ParsedAttachment(url="https://misskey.example/files/webpublic-sketch.webp",
                             media_type="image/webp",
                             description="A pencil sketch of a sleeping cat", blurhash=None,
                             focus=None, sensitive=True),
            ParsedAttachment(url="https://misskey.example/files/webpublic-sketch2.png",
                             media_type="image/png", description="", blurhash=None,
                             focus=None)]},
    "pleroma/create_note_reply.json": {
        "summary": "food, gluten", "sensitive": True, "language": "en", "url": None,
        "hashtags": ["bread"],
        "emojis": [ParsedEmoji("blobcat", "https://pleroma.example/emoji/blobcat.png")],
        "attachments": [
            ParsedAttachment(url="https://pleroma.example/media/5c0d-loaves.jpg",
                             media_type="image/jpeg",
                             description="Two loaves of sourdough on a rack",
                             blurhash="LEHV6nWB2yk8pyo0adR*.7kCMdnj", focus=None),
            ParsedAttachment(url="https://pleroma.example/media/5c0e-crumb.png",
                             media_type="image/png", description="", blurhash=None,
                             focus=None)]},
}


@pytest.mark.parametrize("name", sorted(REPLIES))
def test_public_reply_values(name: str) -> None:
    document = load(name)
    read = parse.note(document["object"])
    assert read.uri == document["object"]["id"]
    assert read.attributed_to == document["actor"]
    assert read.in_reply_to == BOB_POST
    assert read.mentions == [BOB_MENTION]
    assert 'href="https://parley.example/@bob"' in read.content
    assert read.published is not None and read.published.tzinfo is not None
    assert parse.visibility(read.to, read.cc, f"{document['actor']}/followers") == "public"
    assert read.quote is None and read.poll is None and not read.is_vote
    for key, expected in REPLIES[name].items():
        assert getattr(read, key) == expected, key


VISIBILITIES = [
    ("mastodon/create_note_followers.json", "private"),
    ("mastodon/create_note_direct.json", "direct"),
    ("mastodon/create_question.json", "public"),
    ("gotosocial/create_note_followers.json", "private"),
    ("gotosocial/create_note_direct.json", "direct"),
    ("misskey/create_note_home.json", "unlisted"),
    ("misskey/create_note_followers.json", "private"),
    ("misskey/create_note_direct.json", "direct"),
    ("pleroma/create_note_followers.json", "private"),
    ("pleroma/create_note_direct.json", "direct"),
]


@pytest.mark.parametrize(("name", "expected"), VISIBILITIES)
def test_visibility_of_each_addressing(name: str, expected: str) -> None:
    document = load(name)
    read = parse.note(document["object"])
    assert parse.visibility(read.to, read.cc, f"{document['actor']}/followers") == expected
    outer = parse.activity(document)
    assert parse.visibility(outer.to, outer.cc, f"{document['actor']}/followers") == expected
    if expected == "direct":
        assert read.to == [BOB] and read.mentions == [BOB_MENTION]


def test_direct_note_language_from_content_map() -> None:
    assert parse.note(embedded("mastodon/create_note_direct.json")).language == "de"
    assert parse.note(embedded("gotosocial/create_note_direct.json")).language is None


@pytest.mark.parametrize("name", ["mastodon/update_note.json", "gotosocial/update_note.json",
                                  "pleroma/update_note.json"])
def test_update_of_a_note_carries_the_edit(name: str) -> None:
    document = load(name)
    read = parse.activity(document)
    assert (read.type, read.object_type) == ("Update", "Note")
    edited = parse.note(document["object"])
    assert read.object_id == edited.uri
    assert edited.updated is not None and edited.published is not None
    assert edited.updated > edited.published


def test_gotosocial_sensitive_without_summary() -> None:
    edited = parse.note(embedded("gotosocial/update_note.json"))
    assert (edited.sensitive, edited.summary) == (True, "")


# Polls -----------------------------------------------------------------------------------

POLLS: dict[str, tuple[list[ParsedPollOption], bool, datetime | None, bool, int | None]] = {
    "mastodon/create_question.json": (
        [ParsedPollOption("Tea", 5), ParsedPollOption("Coffee", 2)], False,
        datetime(2024, 11, 21, 16, tzinfo=UTC), False, 7),
    "gotosocial/create_question.json": (
        [ParsedPollOption("beans", 3), ParsedPollOption("kale", 4),
         ParsedPollOption("garlic", 0)], True, datetime(2024, 11, 27, 16, tzinfo=UTC), True, 5),
    "misskey/create_question.json": (
        [ParsedPollOption("indigo", 12), ParsedPollOption("ochre", 3)], False,
        datetime(2024, 11, 23, 16, tzinfo=UTC), False, None),
    "pleroma/create_question.json": (
        [ParsedPollOption("rye", 4), ParsedPollOption("spelt", 6), ParsedPollOption("both", 1)],
        False, datetime(2024, 11, 22, 16, tzinfo=UTC), True, None),
}


@pytest.mark.parametrize("name", sorted(POLLS))
def test_poll_values(name: str) -> None:
    read = parse.note(embedded(name))
    options, multiple, ends, closed, voters = POLLS[name]
    assert read.note_type == "Question" and read.poll is not None
    assert read.poll.options == options
    assert (read.poll.multiple, read.poll.expires_at, read.poll.closed,
            read.poll.voters_count) == (multiple, ends, closed, voters)
    assert read.content.startswith("<p>") or read.content


def test_too_many_poll_options_are_refused() -> None:
    document = embedded("mastodon/create_question.json")
    document["oneOf"] = [{"type": "Note", "name": f"option {i}"} for i in range(21)]
    with pytest.raises(Unreadable):
        parse.note(document)


def test_a_poll_vote_is_told_from_a_post() -> None:
    vote = parse.note(embedded("gotosocial/create_vote.json"))
    assert vote.is_vote and vote.name == "tea" and vote.content == ""
    assert vote.in_reply_to == "https://parley.example/users/bob/statuses/7000000000000000005"


# Quotes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("server", ["mastodon", "gotosocial", "misskey", "pleroma"])
def test_quote_target(server: str) -> None:
    assert parse.note(embedded(f"{server}/create_quote.json")).quote == BOB_POST


@pytest.mark.parametrize("kept", ["quote", "quoteUri", "_misskey_quote", "quoteUrl",
                                  "quoteURL", "tag"])
def test_each_quote_property_alone(kept: str) -> None:
    document = embedded("misskey/create_quote.json")
    for name in ("quote", "quoteUri", "_misskey_quote", "quoteUrl", "quoteURL", "tag"):
        document.pop(name, None)
    document[kept] = load("misskey/create_quote.json")["object"]["tag"] if kept == "tag" \
        else BOB_POST
    assert parse.note(document).quote == BOB_POST


def test_a_null_quote_property_falls_through_to_the_next() -> None:
    document = embedded("misskey/create_quote.json")
    document["_misskey_quote"] = None
    document["quote"] = {"id": BOB_POST, "type": "Note"}
    assert parse.note(document).quote == BOB_POST


# Activities ------------------------------------------------------------------------------

DELETES = [
    ("mastodon/delete_tombstone.json", "https://mastodon.example/users/alice/statuses/"
                                       "113510000000000001", "Tombstone"),
    ("mastodon/delete_actor.json", "https://mastodon.example/users/gone", None),
    ("gotosocial/delete_note.json", "https://gts.example/users/bea/statuses/"
                                    "01JD0000000000000000000001", None),
    ("misskey/delete_tombstone.json", "https://misskey.example/notes/9zz0000001", "Tombstone"),
    ("pleroma/delete_note.json", "https://pleroma.example/objects/"
                                 "8d2e6c1a-0000-4000-8000-000000000001", None),
]


@pytest.mark.parametrize(("name", "target", "object_type"), DELETES)
def test_delete_target(name: str, target: str, object_type: str | None) -> None:
    read = parse.activity(load(name))
    assert (read.type, read.object_id, read.object_type) == ("Delete", target, object_type)


ACCEPTS = [
    ("mastodon/accept_follow.json", "https://parley.example/follows/7000000000000000042",
     "Follow"),
    ("gotosocial/accept_follow.json", "https://parley.example/follows/7000000000000000043",
     "Follow"),
    ("misskey/accept_follow.json", "https://parley.example/follows/7000000000000000044",
     "Follow"),
    ("pleroma/accept_follow.json", "https://parley.example/follows/7000000000000000045", None),
]


@pytest.mark.parametrize(("name", "follow", "object_type"), ACCEPTS)
def test_accept_of_a_follow(name: str, follow: str, object_type: str | None) -> None:
    read = parse.activity(load(name))
    assert (read.type, read.object_id, read.object_type) == ("Accept", follow, object_type)
    if object_type is not None:
        assert read.object["actor"] == BOB


UNDOS = [
    ("mastodon/undo_follow.json", "Follow"), ("mastodon/undo_like.json", "Like"),
    ("mastodon/undo_announce.json", "Announce"), ("gotosocial/undo_like.json", "Like"),
    ("gotosocial/undo_announce.json", "Announce"), ("misskey/undo_like.json", "Like"),
    ("misskey/undo_announce.json", "Announce"), ("pleroma/undo_follow.json", "Follow"),
    ("pleroma/undo_announce.json", None),
]


@pytest.mark.parametrize(("name", "object_type"), UNDOS)
def test_undo_names_what_it_undoes(name: str, object_type: str | None) -> None:
    document = load(name)
    read = parse.activity(document)
    assert (read.type, read.object_type) == ("Undo", object_type)
    undone = document["object"]
    assert read.object_id == (undone["id"] if isinstance(undone, dict) else undone)
    if isinstance(undone, dict):
        assert parse.activity(undone).actor == read.actor


@pytest.mark.parametrize("name", [f"{s}/{kind}.json" for s in
                                  ("mastodon", "gotosocial", "misskey", "pleroma")
                                  for kind in ("like", "announce")])
def test_like_and_announce_name_the_post(name: str) -> None:
    read = parse.activity(load(name))
    assert read.object_id == BOB_POST and read.object == BOB_POST
    if read.type == "Announce":
        assert PUBLIC in read.to


def test_pleroma_emoji_reaction_reads_as_an_activity() -> None:
    read = parse.activity(load("pleroma/emoji_react.json"))
    assert (read.type, read.object_id) == ("EmojiReact", BOB_POST)
    assert parse.note({**embedded("mastodon/create_note_followers.json"),
                       "tag": load("pleroma/emoji_react.json")["tag"]}).emojis == [
        ParsedEmoji("blobcat", "https://pleroma.example/emoji/blobcat.png")]


def test_create_with_the_object_by_id() -> None:
    document = load("mastodon/create_note_reply.json")
    document["object"] = document["object"]["id"]
    read = parse.activity(document)
    assert read.object == read.object_id == document["object"] and read.object_type is None


def test_an_embedded_actor_is_read_as_its_id() -> None:
    document = load("mastodon/like.json")
    document["actor"] = {"id": "https://mastodon.example/users/alice", "type": "Person"}
    assert parse.activity(document).actor == "https://mastodon.example/users/alice"


# Compacted JSON-LD variants --------------------------------------------------------------

def test_single_values_read_as_arrays_of_one() -> None:
    arrays = embedded("mastodon/create_note_reply.json")
    single = copy.deepcopy(arrays)
    single["to"] = arrays["to"][0]
    single["cc"] = arrays["cc"][0]
    single["tag"] = next(t for t in arrays["tag"] if t["type"] == "Mention")
    single["attachment"] = arrays["attachment"][0]
    read, full = parse.note(single), parse.note(arrays)
    assert read.to == full.to and read.cc == full.cc[:1]
    assert read.mentions == full.mentions and read.attachments == full.attachments[:1]


@pytest.mark.parametrize("public", [PUBLIC, "as:Public", "Public"])
def test_the_public_collection_in_each_spelling(public: str) -> None:
    document = embedded("gotosocial/create_note_reply.json")
    document["to"] = public
    followers = "https://gts.example/users/bea/followers"
    read = parse.note(document)
    assert read.to == [PUBLIC]
    assert parse.visibility(read.to, read.cc, followers) == "public"
    document["to"], document["cc"] = [followers], [public, BOB]
    read = parse.note(document)
    assert parse.visibility(read.to, read.cc, followers) == "unlisted"


def test_ids_are_kept_as_given() -> None:
    document = embedded("pleroma/create_note_reply.json")
    document["id"] = "https://pleroma.example/@dan/posts/8d2e6c1a/"
    document["attributedTo"] = "https://pleroma.example/@dan/"
    document["inReplyTo"] = "https://parley.example/@bob/7000000000000000001/"
    document["tag"][0]["href"] = "https://parley.example/@bob/"
    read = parse.note(document)
    assert read.uri == "https://pleroma.example/@dan/posts/8d2e6c1a/"
    assert read.attributed_to == "https://pleroma.example/@dan/"
    assert read.in_reply_to == "https://parley.example/@bob/7000000000000000001/"
    assert read.mentions[0].href == "https://parley.example/@bob/"
    actor = load("pleroma/actor_person.json")
    actor["id"] = actor["publicKey"]["owner"] = "https://pleroma.example/users/dan/"
    assert parse.actor(actor).uri == "https://pleroma.example/users/dan/"


def test_url_as_links_prefers_the_html_page() -> None:
    document = embedded("mastodon/create_note_followers.json")
    document["url"] = [
        {"type": "Link", "mediaType": "application/x-mpegURL",
         "href": "https://video.example/streams/1.m3u8"},
        {"type": "Link", "mediaType": "text/html", "href": "https://video.example/w/1"},
    ]
    assert parse.note(document).url == "https://video.example/w/1"
    document["url"] = {"type": "Link", "href": "https://video.example/w/2"}
    assert parse.note(document).url == "https://video.example/w/2"
    actor = load("gotosocial/actor_person.json")
    actor["url"] = ["https://gts.example/users/bea",
                    {"type": "Link", "mediaType": "text/html", "href": "https://gts.example/@bea"}]
    assert parse.actor(actor).url == "https://gts.example/@bea"


def test_attachment_url_avoids_the_html_page() -> None:
    document = embedded("mastodon/create_note_followers.json")
    document["attachment"] = {"type": "Video", "name": "alt", "url": [
        {"type": "Link", "mediaType": "text/html", "href": "https://video.example/w/1"},
        {"type": "Link", "mediaType": "video/mp4", "href": "https://video.example/1.mp4"}]}
    (found,) = parse.note(document).attachments
    assert (found.url, found.media_type) == ("https://video.example/1.mp4", "video/mp4")


@pytest.mark.parametrize("author", [
    {"type": "Person", "id": "https://mastodon.example/users/alice"},
    [{"type": "Group", "id": "https://mastodon.example/c/knitting"},
     {"type": "Person", "id": "https://mastodon.example/users/alice"}],
    ["https://mastodon.example/users/alice"],
])
def test_attributed_to_as_an_object_or_a_list(author: Any) -> None:
    document = embedded("mastodon/create_note_followers.json")
    document["attributedTo"] = author
    assert parse.note(document).attributed_to == "https://mastodon.example/users/alice"


def test_a_note_without_an_author_is_refused() -> None:
    document = embedded("mastodon/create_note_followers.json")
    document["attributedTo"] = [{"type": "Person"}]
    with pytest.raises(Unreadable):
        parse.note(document)


@pytest.mark.parametrize(("summary", "sensitive", "expected"), [
    ("", False, ""), ("   ", False, ""), (None, False, ""), ("", True, ""),
    ("cw", False, "cw"), (" cw ", None, "cw"),
])
def test_summary_is_a_content_warning_only_when_non_empty(
        summary: str | None, sensitive: bool | None, expected: str) -> None:
    document = embedded("mastodon/create_note_followers.json")
    document["summary"], document["sensitive"] = summary, sensitive
    read = parse.note(document)
    assert read.summary == expected
    assert read.sensitive == (bool(expected) or sensitive is True)


@pytest.mark.parametrize(("content", "content_map", "expected_text", "language"), [
    ("<p>hello</p>", {"en": "<p>hello</p>"}, "<p>hello</p>", "en"),
    ("<p>hallo</p>", {"en": "<p>hello</p>", "de": "<p>hallo</p>"}, "<p>hallo</p>", "de"),
    ("<p>hola</p>", {"en": "<p>hello</p>", "de": "<p>hallo</p>"}, "<p>hola</p>", None),
    ("<p>hi!</p>", {"en": "<p>hi</p>"}, "<p>hi!</p>", "en"),
    (None, {"fr": "<p>salut</p>"}, "<p>salut</p>", "fr"),
    ("<p>plain</p>", None, "<p>plain</p>", None),
    ("<p>x</p>", {"a-very-long-language-tag-indeed": "<p>x</p>"}, "<p>x</p>", None),
])
def test_language_of_content_map(content: str | None, content_map: dict[str, str] | None,
                                 expected_text: str, language: str | None) -> None:
    document = embedded("mastodon/create_note_followers.json")
    document["content"], document["contentMap"] = content, content_map
    read = parse.note(document)
    assert (read.content, read.language) == (expected_text, language)


def test_name_stands_for_missing_content_of_an_article() -> None:
    document = embedded("mastodon/create_note_followers.json")
    del document["content"], document["contentMap"]
    document.update(type="Article", name="Why <sourdough> & rye")
    read = parse.note(document)
    assert read.content == "<p>Why &lt;sourdough&gt; &amp; rye</p>" and not read.is_vote


def test_emoji_shortcodes_are_checked() -> None:
    document = embedded("mastodon/create_note_followers.json")
    icon = {"type": "Image", "url": "https://x.example/e.png"}
    document["tag"] = [
        {"type": "Emoji", "name": "plain", "icon": icon},
        {"type": "Emoji", "name": ":plain:", "icon": icon},
        {"type": "Emoji", "name": ":no spaces:", "icon": icon},
        {"type": "Emoji", "name": ":noicon:"},
        {"type": "Emoji", "name": ":" + "x" * 101 + ":", "icon": icon},
        {"type": "Emoji", "name": ":blob-cat_2:", "icon": {"url": [
            {"type": "Link", "href": "https://x.example/b.png"}]}},
    ]
    assert parse.note(document).emojis == [
        ParsedEmoji("plain", "https://x.example/e.png"),
        ParsedEmoji("blob-cat_2", "https://x.example/b.png")]


@pytest.mark.parametrize("focus", [[2, 0], [0], [True, 0], ["0", "0"], {"x": 0}])
def test_a_bad_focal_point_is_dropped(focus: Any) -> None:
    document = embedded("gotosocial/create_note_reply.json")
    document["attachment"]["focalPoint"] = focus
    assert parse.note(document).attachments[0].focus is None


def test_a_time_without_a_zone_is_utc() -> None:
    document = embedded("mastodon/create_note_followers.json")
    document["published"] = "2024-11-20T14:00:00"
    assert parse.note(document).published == datetime(2024, 11, 20, 14, tzinfo=UTC)
    document["published"] = "yesterday"
    assert parse.note(document).published is None


# Bounds ----------------------------------------------------------------------------------

def test_too_long_text_is_cut() -> None:
    document = embedded("mastodon/create_note_followers.json")
    document["content"] = "<p>" + "a" * 200_000 + "</p>"
    document["contentMap"] = None
    document["summary"] = "w" * 10_000
    read = parse.note(document)
    assert len(read.content) <= parse_notes.MAX_CONTENT + len("<p></p>")
    assert len(read.summary) == parse_notes.MAX_SUMMARY
    actor = load("mastodon/actor_person.json")
    actor["name"] = "n" * 1_000
    actor["attachment"] = [{"type": "PropertyValue", "name": f"f{i}", "value": "v"}
                           for i in range(40)]
    read_actor = parse.actor(actor)
    assert len(read_actor.display_name) == parse_actors.MAX_NAME
    assert len(read_actor.fields) == parse_actors.MAX_FIELDS


def test_too_many_attachments_are_cut() -> None:
    document = embedded("gotosocial/create_note_reply.json")
    document["attachment"] = [document["attachment"]] * 40
    assert len(parse.note(document).attachments) == parse_notes.MAX_ATTACHMENTS


def test_too_many_tags_or_addresses_are_refused() -> None:
    document = embedded("mastodon/create_note_reply.json")
    document["tag"] = [{"type": "Hashtag", "name": f"#t{i}"} for i in range(101)]
    with pytest.raises(Unreadable):
        parse.note(document)
    document = embedded("mastodon/create_note_reply.json")
    document["cc"] = [f"https://x.example/users/{i}" for i in range(1001)]
    with pytest.raises(Unreadable):
        parse.note(document)


@pytest.mark.parametrize(("key", "value"), [
    ("id", "https://mastodon.example/" + "x" * 3000), ("id", "urn:uuid:1"), ("id", None),
    ("content", ["<p>a</p>"]), ("summary", {"en": "cw"}), ("type", "Tombstone"),
])
def test_unreadable_notes_are_refused(key: str, value: Any) -> None:
    document = embedded("mastodon/create_note_followers.json")
    document[key] = value
    with pytest.raises(Unreadable):
        parse.note(document)


@pytest.mark.parametrize("document", [
    {"type": "Like", "actor": "https://x.example/u"},
    {"id": "https://x.example/a", "actor": "https://x.example/u"},
    {"id": "https://x.example/a", "type": "Like"},
    {"id": "https://x.example/a", "type": "", "actor": "https://x.example/u"},
])
def test_unreadable_activities_are_refused(document: dict[str, Any]) -> None:
    with pytest.raises(Unreadable):
        parse.activity(document)


def test_name_stands_for_missing_content_of_a_note_that_is_no_vote() -> None:
    document = embedded("mastodon/create_note_followers.json")
    document.update(content="", contentMap=None, name="just a title")
    read = parse.note(document)
    assert read.content == "<p>just a title</p>" and not read.is_vote
    document["contentMap"] = {"en": "<p>from the map</p>"}
    assert parse.note(document).content == "<p>from the map</p>"
