"""Direct messages: conversations among two or more people, and nobody else seeing them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from support.clients import Clients, TestUser, eventually


def bearer(user: TestUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.api.access_token}"}


def ids(items: Any) -> list[str]:
    return [str(item["id"]) for item in items]


def _conversations(user: TestUser) -> list[dict[str, Any]]:
    return [dict(c) for c in user.api.conversations()]


def test_group_dm_among_three(clients: Clients) -> None:
    ann, ben, cat = (clients.new_user(n) for n in ("dmann", "dmben", "dmcat"))
    ben.api.account_follow(ann.id)
    dm = ann.api.status_post(f"@{ben.username} @{cat.username} plans for friday?",
                             visibility="direct")
    [for_ann] = _conversations(ann)
    [for_ben] = _conversations(ben)
    [for_cat] = _conversations(cat)
    assert for_ann["id"] == for_ben["id"] == for_cat["id"]
    assert (for_ann["unread"], for_ben["unread"], for_cat["unread"]) == (False, True, True)
    assert sorted(ids(for_ann["accounts"])) == sorted([ben.id, cat.id])
    assert sorted(ids(for_ben["accounts"])) == sorted([ann.id, cat.id])
    assert for_ben["last_status"]["id"] == dm["id"]

    reply = ben.api.status_post(f"@{ann.username} @{cat.username} I'm in", visibility="direct",
                                in_reply_to_id=dm["id"])
    [again] = _conversations(ann)
    assert again["id"] == for_ann["id"] and again["unread"] is True
    assert again["last_status"]["id"] == reply["id"]
    assert _conversations(ben)[0]["unread"] is False  # one's own post is read
    read = ann.api.conversations_read(again["id"])
    assert read["unread"] is False and read["last_status"]["id"] == reply["id"]

    # Answering only ann leaves ben out: a conversation of its own, which ben never sees.
    aside = cat.api.status_post(f"@{ann.username} just between us", visibility="direct",
                                in_reply_to_id=dm["id"])
    assert [c["last_status"]["id"] for c in _conversations(ann)] == [aside["id"], reply["id"]]
    assert ids(_conversations(ann)[0]["accounts"]) == [cat.id]
    assert [c["last_status"]["id"] for c in _conversations(ben)] == [reply["id"]]

    # ben (who follows ann) hears of the DM; cat, who follows nobody, has both held back.
    assert [n["status"]["id"] for n in ben.api.notifications()] == [dm["id"]]
    assert cat.api.notifications() == []
    assert [str(r["account"]["id"]) for r in cat.api.notification_requests()] == [ben.id,
                                                                                  ann.id]


def test_removing_and_reading_are_per_person(clients: Clients, http: httpx.Client) -> None:
    ann, ben = clients.new_user("dmrm"), clients.new_user("dmrm")
    first = ann.api.status_post(f"@{ben.username} one", visibility="direct")
    [conversation] = _conversations(ben)
    http.delete(f"/api/v1/conversations/{conversation['id']}", headers=bearer(ben))
    assert _conversations(ben) == []
    assert ids(_conversations(ann)) == [conversation["id"]]  # still in ann's list
    with pytest.raises(MastodonNotFoundError):
        ben.api.conversations_read(conversation["id"])
    second = ann.api.status_post(f"@{ben.username} two", visibility="direct",
                                 in_reply_to_id=first["id"])
    [back] = _conversations(ben)  # a new post brings it back, unread
    assert back["id"] == conversation["id"] and back["unread"] is True
    assert back["last_status"]["id"] == second["id"]
    ann.api.status_delete(second["id"])  # the conversation falls back to its previous post
    assert _conversations(ben)[0]["last_status"]["id"] == first["id"]
    ann.api.status_delete(first["id"])  # and ends with its last
    assert _conversations(ben) == [] and _conversations(ann) == []


def test_paging_and_talking_to_oneself(clients: Clients) -> None:
    me, pal = clients.new_user("dmpage"), clients.new_user("dmpal")
    notes = [me.api.status_post(f"@{pal.username} thread {i}", visibility="direct")
             for i in range(3)]
    first = me.api.conversations(limit=2)
    assert [c["last_status"]["id"] for c in first] == [notes[2]["id"], notes[1]["id"]]
    rest = me.api.fetch_next(first)
    assert rest is not None and [c["last_status"]["id"] for c in rest] == [notes[0]["id"]]
    memo = me.api.status_post("a note to self", visibility="direct")
    [own] = [c for c in me.api.conversations() if c["last_status"]["id"] == memo["id"]]
    assert ids(own["accounts"]) == [me.id]


def _invisible_everywhere(outsider: TestUser, http: httpx.Client, dm: dict[str, Any],
                          root: dict[str, Any], author: TestUser) -> None:
    """Every endpoint that could show a post, asked by someone outside the DM."""
    for path in ("", "/context", "/favourited_by", "/reblogged_by"):
        for headers in (bearer(outsider), {}):
            assert http.get(f"/api/v1/statuses/{dm['id']}{path}",
                            headers=headers).status_code == 404, path
    assert outsider.api.statuses([dm["id"]]) == []
    assert dm["id"] not in ids(outsider.api.status_context(root["id"])["descendants"])
    assert dm["id"] not in ids(outsider.api.timeline_home(limit=40))
    assert dm["id"] not in ids(outsider.api.timeline_public(limit=40))
    assert outsider.api.timeline_hashtag("dmsecretplans") == []
    assert dm["id"] not in ids(outsider.api.account_statuses(author.id, limit=40))
    found = outsider.api.search_v2("zanzibar", result_type="statuses")
    assert found["statuses"] == []
    assert outsider.api.conversations() == []
    assert outsider.api.notifications() == []
    assert outsider.api.grouped_notifications()["notification_groups"] == []


def test_a_dm_is_visible_to_its_participants_only(clients: Clients, http: httpx.Client
                                                  ) -> None:
    ann, ben, cat, dan = (clients.new_user(n) for n in ("dmv1", "dmv2", "dmv3", "dmout"))
    for follower in (ben, cat, dan):
        follower.api.account_follow(ann.id)
    root = ann.api.status_post("Weekend plans, anyone?")
    dm = ann.api.status_post(f"@{ben.username} @{cat.username} zanzibar #dmsecretplans",
                             visibility="direct", in_reply_to_id=root["id"])
    ben.api.status_favourite(dm["id"])
    eventually(lambda: root["id"] in ids(dan.api.timeline_home()))
    for insider in (ann, ben, cat):
        assert insider.api.status(dm["id"])["id"] == dm["id"]
        assert dm["id"] in ids(insider.api.status_context(root["id"])["descendants"])
        assert ids(insider.api.search_v2("zanzibar", result_type="statuses")["statuses"]) == [
            dm["id"]]
    assert ids(ann.api.status_favourited_by(dm["id"])) == [ben.id]
    assert ann.api.status(root["id"])["replies_count"] == 0  # not counted in public
    _invisible_everywhere(dan, http, dm, root, ann)
    with pytest.raises(MastodonNotFoundError):
        dan.api.status_reply(dm, "let me in")
    with pytest.raises(MastodonAPIError):
        ben.api.status_reblog(dm["id"])  # a DM is never reposted


def test_conversation_bad_input(clients: Clients, http: httpx.Client) -> None:
    ann, ben, dan = (clients.new_user(n) for n in ("dmbad", "dmbad", "dmbad"))
    ann.api.status_post(f"@{ben.username} hi", visibility="direct")
    [conversation] = _conversations(ann)
    assert http.get("/api/v1/conversations").status_code == 401
    for bad in ("abc", "12345", "99999999999999999999", conversation["id"]):
        for method, path in (("POST", f"/api/v1/conversations/{bad}/read"),
                             ("DELETE", f"/api/v1/conversations/{bad}")):
            response = http.request(method, path, headers=bearer(dan))
            assert response.status_code == 404, (method, bad)
            assert "error" in response.json()
    reader = clients.new_user("dmread", scopes=["read"])
    assert http.get("/api/v1/conversations", headers=bearer(reader)).status_code == 200
    assert http.post(f"/api/v1/conversations/{conversation['id']}/read",
                     headers=bearer(reader)).status_code == 403
    odd = http.get("/api/v1/conversations", params={"limit": "x", "max_id": "y"},
                   headers=bearer(ann))
    assert odd.status_code == 200 and len(odd.json()) == 1
