"""Quotes across servers (FEP-044f), as documents: the quote policy a Note advertises and how
a received one is read, the quote and its stamp read from recorded payloads, the
QuoteRequest's id, the Accept, Reject and stamp Delete Parley sends, the state a received quote
starts in, and the one rule that says who may quote (with the `manual` policy)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, cast

import pytest

from parley.accounts.models import Account
from parley.federation import parse
from parley.federation.parse_notes import quote_policy
from parley.federation.quotes_out import (
    answer,
    authorization,
    delete_stamp,
    interaction_policy,
    quote_id_of,
    request_id,
    stamp_uri,
)
from parley.federation.quotes_seen import first_state
from parley.federation.vocab import PUBLIC, id_of
from parley.posts.models import Post
from parley.posts.quotes import approval

FIXTURES = Path(__file__).parent / "fixtures" / "federation"
ALICE = "https://mastodon.example/users/alice"
BOB = "https://parley.example/users/bob"
BOB_POST = "https://parley.example/users/bob/statuses/7000000000000000001"


def load(name: str) -> dict[str, Any]:
    document = json.loads((FIXTURES / name).read_text())
    assert isinstance(document, dict)
    return document


@pytest.mark.parametrize(("policy", "expected"), [
    ("public", {"automaticApproval": [PUBLIC]}),
    ("followers", {"automaticApproval": [f"{BOB}/followers"]}),
    ("nobody", {"automaticApproval": [BOB]}),
    ("manual", {"automaticApproval": [BOB], "manualApproval": [PUBLIC]}),
])
def test_a_notes_quote_policy_reads_back_as_it_was(policy: str,
                                                   expected: dict[str, Any]) -> None:
    advertised = interaction_policy(policy, BOB)
    assert advertised == {"canQuote": expected}
    assert quote_policy(advertised, BOB) == policy


@pytest.mark.parametrize(("value", "expected"), [
    (None, None), ("bogus", None), ({"canLike": {}}, None),
    ({"canQuote": {"automaticApproval": "as:Public"}}, "public"),
    ({"canQuote": {"automaticApproval": [ALICE, f"{ALICE}/followers"]}}, "followers"),
    ({"canQuote": {"manualApproval": [f"{ALICE}/followers"]}}, "manual"),
    ({"canQuote": {"automaticApproval": [ALICE]}}, "nobody"),
    ({"canQuote": {}}, "nobody"),
])
def test_received_quote_policies(value: Any, expected: str | None) -> None:
    assert quote_policy(value, ALICE) == expected


def test_a_mastodon_quote_names_its_stamp_and_policy() -> None:
    read = parse.note(load("mastodon/create_quote.json")["object"])
    assert read.quote == BOB_POST and not read.quote_legacy
    assert read.quote_authorization == f"{BOB}/quote_authorizations/7000000000000000077"
    assert read.quote_policy == "public"


@pytest.mark.parametrize(("name", "legacy"), [
    ("mastodon/create_quote.json", False), ("gotosocial/create_quote.json", False),
    ("misskey/create_quote.json", True), ("pleroma/create_quote.json", True),
])
def test_quotes_without_consent_are_told_apart(name: str, legacy: bool) -> None:
    read = parse.note(load(name)["object"])
    assert read.quote == BOB_POST
    assert read.quote_legacy is legacy
    assert read.quote_authorization is None or name.startswith("mastodon")


def test_a_recorded_quote_request_names_the_post_and_the_quote() -> None:
    document = load("mastodon/quote_request.json")
    read = parse.activity(document)
    assert (read.type, read.actor, read.object_id) == ("QuoteRequest", ALICE, BOB_POST)
    instrument = parse.note(document["instrument"])
    assert instrument.quote == BOB_POST and instrument.attributed_to == ALICE
    assert instrument.quote_policy == "nobody"


def test_a_recorded_accept_answers_our_request_with_a_stamp() -> None:
    document = load("mastodon/accept_quote_request.json")
    read = parse.activity(document)
    assert read.object_type == "QuoteRequest"
    assert quote_id_of(read.object_id or "", BOB) == 7000000000000000002
    assert id_of(document["result"]) == f"{ALICE}/quote_authorizations/42"
    deleted = parse.activity(load("mastodon/delete_quote_authorization.json"))
    assert deleted.object_id == document["result"]


def test_request_ids_are_read_back_only_for_their_author() -> None:
    made = request_id(BOB, 123)
    assert quote_id_of(made, BOB) == 123
    assert quote_id_of(made, ALICE) is None
    assert quote_id_of(f"{BOB}#quote_requests/x1", BOB) is None
    assert quote_id_of(f"{BOB}#quote_requests/{'9' * 30}", BOB) is None


def test_the_answers_and_the_stamp_embed_nothing_private() -> None:
    stamp = stamp_uri(BOB, 55)
    accepted = answer(accepted=True, request=f"{ALICE}#quote_requests/1",
                      quoted_author_uri=BOB, quote_author_uri=ALICE, quoted_uri=BOB_POST,
                      quote_uri=f"{ALICE}/statuses/1", stamp=stamp)
    assert accepted["type"] == "Accept" and accepted["result"] == stamp
    assert accepted["object"] == {"id": f"{ALICE}#quote_requests/1", "type": "QuoteRequest",
                                  "actor": ALICE, "object": BOB_POST,
                                  "instrument": f"{ALICE}/statuses/1"}
    rejected = answer(accepted=False, request=f"{ALICE}#quote_requests/1",
                      quoted_author_uri=BOB, quote_author_uri=ALICE, quoted_uri=BOB_POST,
                      quote_uri=f"{ALICE}/statuses/1", stamp=None)
    assert rejected["type"] == "Reject" and "result" not in rejected
    assert rejected["id"] != accepted["id"]
    document = authorization(stamp, BOB, f"{ALICE}/statuses/1", BOB_POST)
    assert (document["type"], document["interactingObject"],
            document["interactionTarget"]) == ("QuoteAuthorization", f"{ALICE}/statuses/1",
                                               BOB_POST)
    deleted = delete_stamp(stamp, BOB)
    assert (deleted["type"], deleted["actor"], deleted["object"]) == ("Delete", BOB, stamp)


@pytest.mark.parametrize(("policy", "follows", "expected"), [
    ("public", False, "automatic"), ("followers", True, "automatic"),
    ("followers", False, "denied"), ("nobody", True, "denied"), ("manual", False, "manual"),
])
def test_who_may_quote(policy: str, follows: bool, expected: str) -> None:
    assert approval(author_id=1, visibility="public", policy=policy, is_repost=False,
                    viewer_id=2, follows_author=follows) == expected
    assert approval(author_id=1, visibility="public", policy=policy, is_repost=False,
                    viewer_id=1, follows_author=False) == "automatic"
    assert approval(author_id=1, visibility="private", policy=policy, is_repost=False,
                    viewer_id=2, follows_author=follows) == "denied"


@pytest.mark.parametrize(("name", "quoted_domain", "quoted_author", "expected"), [
    # Misskey and Pleroma ask no consent: a quote of a remote post stands as it is.
    ("misskey/create_quote.json", "elsewhere.example", 3, "accepted"),
    ("pleroma/create_quote.json", "elsewhere.example", 3, "accepted"),
    # ...but a quote of a post from here waits for its author (nobody asked them).
    ("misskey/create_quote.json", None, 3, "pending"),
    # FEP-044f without a stamp waits; a quote of one's own post stands.
    ("gotosocial/create_quote.json", "elsewhere.example", 3, "pending"),
    ("gotosocial/create_quote.json", "elsewhere.example", 2, "accepted"),
    ("mastodon/create_quote.json", None, 3, "pending"),
])
def test_the_state_a_received_quote_starts_in(name: str, quoted_domain: str | None,
                                              quoted_author: int, expected: str) -> None:
    read = parse.note(load(name)["object"])
    author = Account(id=2, username="them", domain="mastodon.example")
    quoted = Post(id=9, account_id=quoted_author, domain=quoted_domain, uri=BOB_POST)
    # None of these needs the database or the network (a stamp to check would).
    state = asyncio.run(first_state(cast(Any, None), cast(Any, None), read, author, quoted))
    assert state == expected
