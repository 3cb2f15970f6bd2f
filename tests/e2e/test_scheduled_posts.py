"""Scheduled posts through Mastodon.py: kept privately until their time, then published as
any post (home, notifications); moved, cancelled, refused with clear errors."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError
from sqlalchemy import text

from parley.store.database import Database
from parley.store.dialect import engine_url
from support.clients import Clients, TestUser, eventually


def _in(minutes: float) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


def _make_due(database_url: str, scheduled_id: str) -> None:
    """Time travel: the scheduled post, and its job, due now (the server's worker polls)."""
    async def run() -> None:
        db = Database(engine_url(database_url))
        try:
            async with db.write() as session:
                now = datetime.now(UTC)
                await session.execute(text("UPDATE scheduled_posts SET scheduled_at = :now "
                                           "WHERE id = :id"), {"now": now, "id": int(scheduled_id)})
                await session.execute(text(
                    "UPDATE jobs SET run_at = :now WHERE kind = 'publish_scheduled' "
                    "AND CAST(payload AS TEXT) LIKE :match"),
                    {"now": now, "match": f"%{scheduled_id}%"})
        finally:
            await db.dispose()
    asyncio.run(run())


def _texts(user: TestUser) -> list[str]:
    return [status["content"] for status in user.api.account_statuses(user.id)]


def test_a_scheduled_post_waits_privately_and_can_be_moved_or_cancelled(
        clients: Clients) -> None:
    author, other = clients.new_user("planner"), clients.new_user("nosy")
    scheduled = author.api.status_post("Tomorrow's news", visibility="unlisted",
                                       scheduled_at=_in(60))
    assert "uri" not in scheduled  # a ScheduledStatus, not a Status
    assert scheduled["params"]["text"] == "Tomorrow's news"
    assert scheduled["params"]["visibility"] == "unlisted"
    assert [s["id"] for s in author.api.scheduled_statuses()] == [scheduled["id"]]
    assert _texts(author) == []  # not posted yet
    with pytest.raises(MastodonNotFoundError):
        other.api.scheduled_status(scheduled["id"])
    with pytest.raises(MastodonNotFoundError):
        other.api.scheduled_status_delete(scheduled["id"])
    assert other.api.scheduled_statuses() == []
    later = _in(120).replace(microsecond=0)
    moved = author.api.scheduled_status_update(scheduled["id"], later)
    assert moved["scheduled_at"] == later
    assert author.api.scheduled_status(scheduled["id"])["scheduled_at"] == later
    author.api.scheduled_status_delete(scheduled["id"])
    with pytest.raises(MastodonNotFoundError):
        author.api.scheduled_status(scheduled["id"])
    assert author.api.scheduled_statuses() == []


def test_bad_times_and_posts_are_refused_with_a_clear_error(clients: Clients) -> None:
    author = clients.new_user("hasty")
    with pytest.raises(MastodonAPIError, match="must be in the future"):
        author.api.status_post("Too soon", scheduled_at=_in(1))
    with pytest.raises(MastodonAPIError, match="character limit"):
        author.api.status_post("x" * 600, scheduled_at=_in(60))
    response = httpx.post(f"{clients.server.base_url}/api/v1/statuses",
                          headers={"authorization": f"Bearer {author.api.access_token}"},
                          json={"status": "When?", "scheduled_at": "next tuesday"})
    assert response.status_code == 422
    assert response.json()["error"] == "Record invalid"  # Mastodon's words, compared by clients
    kept = author.api.status_post("Fine", scheduled_at=_in(60))
    with pytest.raises(MastodonAPIError, match="must be in the future"):
        author.api.scheduled_status_update(kept["id"], _in(-5))
    assert [s["id"] for s in author.api.scheduled_statuses()] == [kept["id"]]
    assert _texts(author) == []
    author.api.scheduled_status_delete(kept["id"])


def test_a_due_scheduled_post_is_published_like_any_post(clients: Clients) -> None:
    author, fan = clients.new_user("punctual"), clients.new_user("fan")
    fan.api.account_follow(author.id)
    scheduled = author.api.status_post(f"Good morning @{fan.username}", scheduled_at=_in(30))
    _make_due(clients.server.database_url, scheduled["id"])
    posted = eventually(lambda: author.api.account_statuses(author.id), timeout=15)
    assert [s["content"] for s in posted] == [
        posted[0]["content"]] and "Good morning" in posted[0]["content"]
    assert author.api.scheduled_statuses() == []
    home = eventually(lambda: fan.api.timeline_home(), timeout=15)
    assert [s["id"] for s in home] == [posted[0]["id"]]
    mentions = fan.api.notifications(types=["mention"])
    assert [n["status"]["id"] for n in mentions] == [posted[0]["id"]]


def test_a_scheduled_reply_whose_parent_is_gone_is_dropped(clients: Clients) -> None:
    author, other = clients.new_user("replier"), clients.new_user("deleter")
    parent = other.api.status_post("Soon gone")
    scheduled = author.api.status_post("A late answer", in_reply_to_id=parent["id"],
                                       scheduled_at=_in(30))
    assert str(scheduled["params"]["in_reply_to_id"]) == str(parent["id"])
    other.api.status_delete(parent["id"])
    _make_due(clients.server.database_url, scheduled["id"])
    assert eventually(lambda: author.api.scheduled_statuses() == [], timeout=15)
    assert _texts(author) == []
