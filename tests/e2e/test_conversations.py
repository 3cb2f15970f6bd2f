"""Conversations: the shapes threads take, and what each participant sees of them."""

from __future__ import annotations

from typing import Any

import pytest
from mastodon import MastodonNotFoundError

from support.clients import Clients, TestUser, eventually


def _ids(statuses: list[dict[str, Any]]) -> list[str]:
    return [status["id"] for status in statuses]


def _reply(user: TestUser, parent: dict[str, Any], text: str, **kwargs: Any) -> dict[str, Any]:
    return dict(user.api.status_post(text, in_reply_to_id=parent["id"], **kwargs))


def test_one_word_post_answered_by_two_dozen_people(clients: Clients) -> None:
    author = clients.new_user("author")
    root = author.api.status_post("Grief.")
    repliers = [clients.new_user("friend") for _ in range(24)]
    replies = [_reply(friend, root, f"@{author.username} thinking of you, truly")
               for friend in repliers]
    context = clients.anonymous().status_context(root["id"])
    assert context["ancestors"] == []
    assert _ids(context["descendants"]) == _ids(replies)
    assert {s["account"]["id"] for s in context["descendants"]} == {f.id for f in repliers}
    assert author.api.status(root["id"])["replies_count"] == 24
    one = repliers[7].api.status_context(replies[7]["id"])
    assert _ids(one["ancestors"]) == [root["id"]] and one["descendants"] == []

    def mentions() -> list[dict[str, Any]]:
        found = author.api.notifications(types=["mention"], limit=40)
        return found if len(found) >= 24 else []

    notified = eventually(mentions)
    assert sorted(n["status"]["id"] for n in notified) == sorted(_ids(replies))
    assert {n["account"]["id"] for n in notified} == {f.id for f in repliers}


def test_long_exchange_between_two_people(clients: Clients) -> None:
    ann, ben = clients.new_user("ann"), clients.new_user("ben")
    chain = [dict(ann.api.status_post("Does anyone still write letters?"))]
    for turn in range(1, 28):
        speaker, other = (ben, ann) if turn % 2 else (ann, ben)
        chain.append(_reply(speaker, chain[-1], f"@{other.username} letter {turn}"))
    last = ann.api.status_context(chain[-1]["id"])
    assert _ids(last["ancestors"]) == _ids(chain[:-1])
    assert last["descendants"] == []
    first = clients.anonymous().status_context(chain[0]["id"])
    assert _ids(first["descendants"]) == _ids(chain[1:])
    middle = ben.api.status_context(chain[13]["id"])
    assert _ids(middle["ancestors"]) == _ids(chain[:13])
    assert _ids(middle["descendants"]) == _ids(chain[14:])
    assert str(chain[5]["in_reply_to_account_id"]) == ann.id  # ben answering ann


def test_reply_to_a_stranger_becomes_a_three_way_conversation(clients: Clients) -> None:
    ada, bo, cy = (clients.new_user(n) for n in ("ada", "bo", "cy"))
    root = ada.api.status_post("Is it ever too late to learn the cello?")
    b1 = _reply(bo, root, f"@{ada.username} never. I started at 50.")
    c1 = _reply(cy, b1, f"@{bo.username} @{ada.username} same here, with the violin")
    a2 = _reply(ada, root, "Thank you all!")
    b2 = _reply(bo, c1, f"@{cy.username} @{ada.username} we should start a trio")
    a3 = _reply(ada, b2, f"@{bo.username} @{cy.username} yes!")
    c2 = _reply(cy, b1, f"@{bo.username} also: which teacher?")
    # Depth first, each level in the order the replies were written.
    tree = cy.api.status_context(root["id"])
    assert tree["ancestors"] == []
    assert _ids(tree["descendants"]) == _ids([b1, c1, b2, a3, c2, a2])
    around = ada.api.status_context(c1["id"])
    assert _ids(around["ancestors"]) == _ids([root, b1])
    assert _ids(around["descendants"]) == _ids([b2, a3])
    assert {m["acct"] for m in b2["mentions"]} == {cy.username, ada.username}
    assert ada.api.status(b1["id"])["replies_count"] == 2


def test_hidden_replies_stay_hidden_but_their_public_answers_show(clients: Clients) -> None:
    ada, bo, cy, dee = (clients.new_user(n) for n in ("ada", "bo", "cy", "dee"))
    root = ada.api.status_post("Open question: favourite bridge?")
    secret = _reply(bo, root, f"@{ada.username} @{cy.username} (between us) the old one",
                    visibility="direct")
    answer = _reply(cy, secret, "The old one, definitely.", visibility="public")
    seen_by_dee = dee.api.status_context(root["id"])
    assert _ids(seen_by_dee["descendants"]) == [answer["id"]]
    assert "between us" not in str(seen_by_dee)
    assert _ids(ada.api.status_context(root["id"])["descendants"]) == _ids([secret, answer])
    from_answer = dee.api.status_context(answer["id"])
    assert _ids(from_answer["ancestors"]) == [root["id"]]
    assert dee.api.status(root["id"])["replies_count"] == 0  # a direct reply is not counted


def test_followers_only_thread(clients: Clients) -> None:
    ada, bo, cy = (clients.new_user(n) for n in ("ada", "bo", "cy"))
    bo.api.account_follow(ada.id)
    root = ada.api.status_post("friends only: dinner thursday?", visibility="private")
    reply = _reply(bo, root, f"@{ada.username} count me in", visibility="private")
    assert _ids(ada.api.status_context(root["id"])["descendants"]) == [reply["id"]]
    assert _ids(bo.api.status_context(reply["id"])["ancestors"]) == [root["id"]]
    for viewer in (cy.api, clients.anonymous()):
        for post in (root, reply):
            with pytest.raises(MastodonNotFoundError):
                viewer.status_context(post["id"])
