"""Announcements: published by the staff (`parley announce`, the service the admin pages
use), listed, dismissed and reacted to through Mastodon.py."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from support.clients import Clients, TestUser
from support.server import LiveServer


async def _delete(database_url: str, ids: list[int]) -> None:
    from parley.announcements.service import delete_announcement
    from parley.errors import NotFound
    from parley.store.database import Database
    from parley.store.dialect import engine_url

    db = Database(engine_url(database_url))
    try:
        async with db.write() as session:
            for announcement_id in ids:
                with contextlib.suppress(NotFound):  # deleted by the test already
                    await delete_announcement(session, announcement_id)
    finally:
        await db.dispose()


@pytest.fixture
def announce(server: LiveServer, tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Publish through the CLI on the live server's database (the new announcement's id);
    afterwards they are deleted through the staff's service, so that other tests on this
    server see none."""
    made: list[int] = []

    def publish(*args: str) -> str:
        env = {**os.environ, "PARLEY_DATABASE_URL": server.database_url,
               "PARLEY_DATA_DIR": str(tmp_path)}
        done = subprocess.run([sys.executable, "-m", "parley", "announce", *args], env=env,
                              text=True, capture_output=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        made.append(int(done.stdout.split()[1]))
        return str(made[-1])

    yield publish
    asyncio.run(_delete(server.database_url, made))


def bearer(user: TestUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.api.access_token}"}


def test_announcements_listed_dismissed_and_reacted(clients: Clients, http: httpx.Client,
                                                    announce: Callable[..., str]) -> None:
    user, other = clients.new_user("annreader"), clients.new_user("annother")
    before = {a["id"] for a in user.api.announcements()}
    first = announce("Maintenance tonight\n\nBack soon.")
    second = announce("Welcome!", "--starts-at", "2020-01-01",
                      "--ends-at", "2999-01-01", "--all-day")
    announce("Long over", "--ends-at", "2020-01-02")
    announce("Not yet", "--starts-at", "2999-01-01")
    shown = [a for a in user.api.announcements() if a["id"] not in before]
    assert [a["id"] for a in shown] == [second, first]  # by start, then publication
    [maintenance] = [a for a in shown if a["id"] == first]
    assert maintenance["content"] == "<p>Maintenance tonight</p><p>Back soon.</p>"
    assert maintenance["read"] is False and maintenance["reactions"] == []
    assert maintenance["all_day"] is False and maintenance["starts_at"] is None
    [welcome] = [a for a in shown if a["id"] == second]
    assert welcome["all_day"] is True
    # Reactions: counted per emoji, `me` for the viewer.
    user.api.announcement_reaction_create(first, "👍")
    user.api.announcement_reaction_create(first, "👍")  # again: no change
    other.api.announcement_reaction_create(first, "👍")
    other.api.announcement_reaction_create(first, "🎉")
    [mine] = [a for a in user.api.announcements() if a["id"] == first]
    assert [(r["name"], r["count"], r["me"]) for r in mine["reactions"]] == [
        ("👍", 2, True), ("🎉", 1, False)]
    user.api.announcement_reaction_delete(first, "👍")
    [mine] = [a for a in user.api.announcements() if a["id"] == first]
    assert [(r["name"], r["count"], r["me"]) for r in mine["reactions"]] == [
        ("👍", 1, False), ("🎉", 1, False)]
    with pytest.raises(MastodonAPIError) as refused:
        user.api.announcement_reaction_create(first, "notanemoji")
    assert refused.value.args[1] == 422
    # Dismissing: gone from the list, back with with_dismissed (marked read), others unchanged.
    user.api.announcement_dismiss(first)
    user.api.announcement_dismiss(first)  # again: no error
    assert first not in [a["id"] for a in user.api.announcements()]
    response = http.get("/api/v1/announcements", params={"with_dismissed": "true"},
                        headers=bearer(user))
    assert [a["read"] for a in response.json() if a["id"] == first] == [True]
    assert first in [a["id"] for a in other.api.announcements()]
    # Errors as Mastodon words them.
    with pytest.raises(MastodonNotFoundError):
        user.api.announcement_dismiss("99999999")
    with pytest.raises(MastodonNotFoundError):
        user.api.announcement_reaction_create("99999999", "👍")
    assert http.get("/api/v1/announcements").status_code == 401
    assert http.post(f"/api/v1/announcements/{first}/dismiss").status_code == 401
    user.api.announcement_reaction_create(second, "🎉")


def test_deleted_announcements_are_gone(clients: Clients, http: httpx.Client,
                                        announce: Callable[..., str], server: LiveServer
                                        ) -> None:
    user = clients.new_user("anndeleted")
    made = announce("Soon gone")
    user.api.announcement_reaction_create(made, "👍")
    user.api.announcement_dismiss(made)
    asyncio.run(_delete(server.database_url, [int(made)]))
    assert made not in [a["id"] for a in user.api.announcements()]
    response = http.get("/api/v1/announcements", params={"with_dismissed": "true"},
                        headers=bearer(user))
    assert made not in [a["id"] for a in response.json()]
    with pytest.raises(MastodonNotFoundError):
        user.api.announcement_dismiss(made)
