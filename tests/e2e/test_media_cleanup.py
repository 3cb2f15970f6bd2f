"""Uploads nobody attached are swept after a day (rows and files); `release` removes a
post's attachments and, once committed, their files."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from parley.jobs.queue import enqueue
from parley.media import service
from parley.media.jobs import SWEEP, Sweep
from support import media_files
from support.clients import Clients, TestUser, eventually
from support.database import ServerDatabase
from support.server import LiveServer


@pytest.fixture
def database(server: LiveServer) -> Iterator[ServerDatabase]:
    db = ServerDatabase(server.database_url)
    yield db
    db.close()


def _upload(user: TestUser) -> dict[str, str]:
    return dict(user.api.media_post(io.BytesIO(media_files.png()), mime_type="image/png",
                                    file_name="a.png"))


def _gone(http: httpx.Client, user: TestUser, media: dict[str, str]) -> bool:
    """Row and files gone (a file removed while it is being sent ends that response)."""
    headers = {"Authorization": f"Bearer {user.api.access_token}"}
    try:
        return _all_404(http, headers, media)
    except httpx.TransportError:
        return False


def _all_404(http: httpx.Client, headers: dict[str, str], media: dict[str, str]) -> bool:
    return (http.get(f"/api/v1/media/{media['id']}", headers=headers).status_code == 404
            and http.get(media["url"]).status_code == 404
            and http.get(media["preview_url"]).status_code == 404)


def test_the_sweep_removes_unattached_uploads_older_than_a_day(
        clients: Clients, http: httpx.Client, database: ServerDatabase) -> None:
    user = clients.new_user("sweep")
    old, fresh = _upload(user), _upload(user)

    async def backdate_and_sweep(session: AsyncSession) -> None:
        await session.execute(text("UPDATE media_attachments SET created_at = :when "
                                   "WHERE id = :id"),
                              {"when": datetime.now(UTC) - timedelta(days=2),
                               "id": int(old["id"])})
        await enqueue(session, SWEEP, Sweep())

    database.write(backdate_and_sweep)
    assert eventually(lambda: _gone(http, user, old), timeout=20)
    assert http.get(fresh["url"]).status_code == 200
    assert user.api.media(fresh["id"])["id"] == fresh["id"]


def test_release_removes_rows_then_files(clients: Clients, http: httpx.Client,
                                         database: ServerDatabase) -> None:
    user = clients.new_user("release")
    kept, removed = _upload(user), _upload(user)

    async def release(session: AsyncSession) -> None:
        await service.release(session, [int(kept["id"])], keep=True)
        await service.release(session, [int(removed["id"])])

    database.write(release)
    assert eventually(lambda: _gone(http, user, removed), timeout=20)
    assert user.api.media(kept["id"])["id"] == kept["id"]
    assert http.get(kept["url"]).status_code == 200
