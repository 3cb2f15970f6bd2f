"""Flag, Add, Remove and Move, as Parley sends and reads them (Mastodon's shapes): a
forwarded report comes from the instance actor and names the account, then its posts; a pin
is an Add to the actor's featured collection (Mastodon's carry no id, and are still read); a
Move names the actor as its object and the new account as its target, which must list the
old one among its aliases (alsoKnownAs, served in the actor document with movedTo)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from parley.accounts.models import Account
from parley.accounts.moves import check_move
from parley.config import Settings
from parley.errors import Invalid
from parley.federation import actors_out, parse, parse_actors
from parley.federation.featured_out import add, remove
from parley.federation.flags_out import flag
from parley.federation.moves_out import move
from parley.federation.vocab import CONTEXT

FIXTURES = Path(__file__).parent / "fixtures" / "federation" / "mastodon"
ME = "https://parley.example/users/bob"
POST = f"{ME}/statuses/7000000000000000001"
ALICE = "https://mastodon.example/users/alice"


def load(name: str) -> dict[str, Any]:
    document = json.loads((FIXTURES / name).read_text())
    assert isinstance(document, dict)
    return document


def test_a_forwarded_report_names_the_account_then_its_posts() -> None:
    actor = "https://parley.example/actor"
    sent = flag(f"{actor}#reports/5", actor, [ALICE, f"{ALICE}/statuses/1"], "spam")
    assert sent["@context"] == CONTEXT
    assert (sent["type"], sent["actor"], sent["content"]) == ("Flag", actor, "spam")
    assert sent["object"] == [ALICE, f"{ALICE}/statuses/1"]
    assert sent["id"] == f"{actor}#reports/5"


def test_a_pin_is_an_add_to_the_featured_collection_and_an_unpin_a_remove() -> None:
    added, removed = add(9, ME, POST), remove(9, ME, POST)
    for sent, kind in ((added, "Add"), (removed, "Remove")):
        assert (sent["type"], sent["actor"], sent["object"]) == (kind, ME, POST)
        assert sent["target"] == f"{ME}/collections/featured"
    assert added["id"] == f"{ME}#pins/9" and removed["id"] == f"{ME}#pins/9/remove"


def test_a_move_names_the_actor_and_its_new_account() -> None:
    sent = move(f"{ME}#moves/1", ME, ALICE)
    assert (sent["type"], sent["actor"], sent["object"], sent["target"]) == (
        "Move", ME, ME, ALICE)


def test_the_actor_document_lists_aliases_and_where_it_moved() -> None:
    account = Account(id=1, username="bob", uri=ME, url="https://parley.example/@bob",
                      display_name="", note="", fields=[], also_known_as=[ALICE])
    settings = Settings(base_url="https://parley.example")
    moved = actors_out.person(account, "PEM", settings, moved_to=ALICE)
    assert moved["alsoKnownAs"] == [ALICE] and moved["movedTo"] == ALICE
    assert moved["featured"] == f"{ME}/collections/featured"
    account.also_known_as = []
    plain = actors_out.person(account, "PEM", settings)
    assert "alsoKnownAs" not in plain and "movedTo" not in plain


def test_mastodons_add_and_remove_read_without_an_id() -> None:
    for name, kind in (("add_featured.json", "Add"), ("remove_featured.json", "Remove")):
        read = parse.activity(load(name))
        assert read.type == kind and not read.named
        assert read.target == f"{ALICE}/collections/featured"
        assert read.object_id == f"{ALICE}/statuses/110000000000000001"
        assert read.id.startswith(f"{ALICE}#")
    # Only these: any other activity without an id is unreadable.
    unnamed = {key: value for key, value in load("move.json").items() if key != "id"}
    with pytest.raises(parse.Unreadable):
        parse.activity(unnamed)


def test_mastodons_flag_and_move_read() -> None:
    flagged = parse.activity(load("flag.json"))
    assert flagged.type == "Flag" and flagged.actor == "https://mastodon.example/actor"
    assert parse.iris(flagged.object) == [ME, POST]
    moved = parse.activity(load("move.json"))
    assert moved.object_id == moved.actor == ALICE
    assert moved.target == "https://new.example/users/alice"


def test_an_actors_aliases_are_read_and_bounded() -> None:
    document = copy.deepcopy(json.loads((FIXTURES / "actor_person.json").read_text()))
    assert parse.actor(document).also_known_as == []
    document["alsoKnownAs"] = "https://old.example/users/alice"
    assert parse.actor(document).also_known_as == ["https://old.example/users/alice"]
    document["alsoKnownAs"] = [f"https://old{n}.example/users/alice" for n in range(50)]
    assert len(parse.actor(document).also_known_as) == parse_actors.MAX_ALIASES


def _account(number: int, **values: Any) -> Account:
    return Account(id=number, uri=f"https://s{number}.example/users/a", **values)


def test_a_move_needs_the_new_account_to_name_the_old_one() -> None:
    old = _account(1)
    check_move(old, _account(2, also_known_as=[old.uri]))
    refused = (_account(2, also_known_as=[]),  # does not name the old account
               _account(1, also_known_as=[old.uri]),  # itself
               _account(2, also_known_as=[old.uri], moved_to_account_id=3),  # moved on
               _account(2, also_known_as=[old.uri], suspended_at=parse.published(
                   "2026-01-01T00:00:00Z")))
    for target in refused:
        with pytest.raises(Invalid):
            check_move(old, target)
