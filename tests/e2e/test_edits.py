"""Editing posts: new text, history, notifications to sharers, live status.update events."""

from __future__ import annotations

import pytest
from mastodon import MastodonError, MastodonNotFoundError

from support.clients import Clients, eventually
from support.streams import streaming


def test_edit_keeps_history_and_source(clients: Clients) -> None:
    author = clients.new_user("editor")
    post = author.api.status_post("First thougth #typo")
    assert author.api.status_history(post["id"])[0]["content"] == post["content"]
    edited = author.api.status_update(post["id"], "First thought #fixed",
                                      spoiler_text="mind")
    assert edited["edited_at"] is not None
    assert "thought" in edited["content"] and edited["spoiler_text"] == "mind"
    assert [t["name"] for t in edited["tags"]] == ["fixed"]
    again = author.api.status_update(post["id"], "First thought, final")
    history = author.api.status_history(post["id"])
    assert len(history) == 3
    assert "thougth" in history[0]["content"] and "final" in history[2]["content"]
    assert author.api.status_source(post["id"])["text"] == "First thought, final"
    assert again["id"] == post["id"]


def test_only_the_author_can_edit(clients: Clients) -> None:
    author, other = clients.new_user("owner"), clients.new_user("intruder")
    post = author.api.status_post("mine")
    with pytest.raises(MastodonNotFoundError):
        other.api.status_update(post["id"], "yours now")
    with pytest.raises(MastodonError):
        author.api.status_update(post["id"], "x" * 501)
    with pytest.raises(MastodonError):
        author.api.status_update(post["id"], "   ")
    assert author.api.status(post["id"])["content"] == "<p>mine</p>"
    hidden = author.api.status_post("secret", visibility="direct")
    with pytest.raises(MastodonNotFoundError):
        other.api.status_history(hidden["id"])


def test_sharers_are_notified_and_mentions_added(clients: Clients) -> None:
    author, fan, quoter, newcomer = (clients.new_user("edited"), clients.new_user("fan"),
                                     clients.new_user("quoter"), clients.new_user("newcomer"))
    post = author.api.status_post("share me")
    fan.api.status_reblog(post["id"])
    quoter.api.status_post("look", quoted_status_id=post["id"])
    author.api.status_update(post["id"], f"share me, @{newcomer.username}")
    assert eventually(lambda: [n for n in fan.api.notifications() if n["type"] == "update"])
    assert [n["type"] for n in quoter.api.notifications()][:1] == ["quoted_update"]
    assert [n["type"] for n in newcomer.api.notifications()] == ["mention"]


def test_followers_see_the_edit_live(clients: Clients) -> None:
    author, reader = clients.new_user("liveedit"), clients.new_user("livereader")
    reader.api.account_follow(author.id)
    post = author.api.status_post("draft one")
    assert eventually(lambda: reader.api.timeline_home())
    with streaming(reader.api.stream_user) as recorder:
        author.api.status_update(post["id"], "draft two")
        assert eventually(lambda: recorder.of("status_update"), timeout=10)
    [update] = recorder.of("status_update")
    assert update["id"] == post["id"] and "draft two" in update["content"]
