"""Announcements: published by the staff (`parley announce`, the service the admin pages
use), listed, dismissed and reacted to through Mastodon.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from support.clients import Clients, TestUser
from support.server import LiveServer


def announce(server: LiveServer, tmp_path: Path, *args: str) -> str:
    """Publish through the CLI on the live server's database; the new announcement's id."""
    env = {**os.environ, "PARLEY_DATABASE_URL": server.database_url,
           "PARLEY_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "parley", "announce", *args], env=env,
                          text=True, capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()[1]


def bearer(user: TestUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.api.access_token}"}


def test_announcements_listed_dismissed_and_reacted(clients: Clients, server: LiveServer,
                                                    http: httpx.Client, tmp_path: Path
                                                    ) -> None:
    user, other = clients.new_user("annreader"), clients.new_user("annother")
    before = {a["id"] for a in user.api.announcements()}
    first = announce(server, tmp_path, "Maintenance tonight\n\nBack soon.")
    second = announce(server, tmp_path, "Welcome!", "--starts-at", "2020-01-01",
                      "--ends-at", "2999-01-01", "--all-day")
    announce(server, tmp_path, "Long over", "--ends-at", "2020-01-02")
    announce(server, tmp_path, "Not yet", "--starts-at", "2999-01-01")
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
