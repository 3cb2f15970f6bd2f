"""The disk under a SQLite database fills up: writes answer 507 with a message (never a 500),
reads go on, writing works again once there is room, and the database passes
`PRAGMA integrity_check` with every acknowledged post in it. The disk is a small tmpfs the
test mounts (skipped where mounting is not permitted)."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mastodon import Mastodon

from support.clients import PASSWORD
from support.faults import is_postgres, start

pytestmark = pytest.mark.skipif(is_postgres(), reason="a SQLite database's disk")
SIZE = "16m"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", str(mount)],
                          capture_output=True, text=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root and CAP_SYS_ADMIN): "
                    f"{made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path) -> Path:
    """A file taking all the room there is left."""
    filler = disk / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    return filler


def test_a_full_disk_answers_507_and_the_database_stays_whole(tmp_path: Path,
                                                              small_disk: Path) -> None:
    database = small_disk / "parley.sqlite3"
    env = {"PARLEY_DATA_DIR": str(small_disk)}
    proc = start("run", tmp_path, f"sqlite+aiosqlite:///{database}", name="run", extra_env=env)
    acknowledged: list[str] = []
    try:
        client_id, secret = Mastodon.create_app("disk test", api_base_url=proc.base_url)
        api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=proc.base_url)
        api.create_account("filler", PASSWORD, "filler@example.com", agreement=True)
        http = httpx.Client(base_url=proc.base_url, timeout=30,
                            headers={"Authorization": f"Bearer {api.access_token}"})
        filler = _fill(small_disk)
        answers: list[tuple[int, str]] = []
        for number in range(400):  # the log's free pages and the page cache run out first
            answer = http.post("/api/v1/statuses", data={"status": f"post {number} " * 40})
            answers.append((answer.status_code, answer.text))
            if answer.status_code == 200:
                acknowledged.append(answer.json()["id"])
            elif len(answers) > 20 and all(status != 200 for status, _ in answers[-20:]):
                break
        refused = [(status, text) for status, text in answers if status != 200]
        assert refused, "the disk never filled"
        assert {status for status, _ in refused} == {507}, refused[:3]
        assert "out of storage space" in refused[0][1]
        assert http.get("/api/v1/timelines/home").status_code == 200
        filler.unlink()
        again = http.post("/api/v1/statuses", data={"status": "room again"})
        assert again.status_code == 200, again.text
        acknowledged.append(again.json()["id"])
        assert "Traceback" not in proc.log(), proc.log()[-3000:]
    finally:
        proc.stop()
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = {str(row[0]) for row in connection.execute("SELECT id FROM posts")}
    assert set(acknowledged) <= stored
