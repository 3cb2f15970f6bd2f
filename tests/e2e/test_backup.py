"""`parley backup` while the server takes writes, then `parley restore` into a new place and a
server over it: every post acknowledged before the backup began is there, none is torn, and
the media files came along (an uploaded image, attached to a post, is served by the restored
server byte for byte)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from mastodon import Mastodon

from support import media_files
from support.clients import PASSWORD
from support.server import LiveServer, fresh_database, run_server


def _parley(*args: str, database_url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PARLEY_DATABASE_URL": database_url, "PARLEY_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "parley", *args], env=env, text=True,
                          capture_output=True, timeout=300, check=False)


def _author(server: LiveServer) -> Mastodon:
    client_id, secret = Mastodon.create_app("backup test", api_base_url=server.base_url)
    api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=server.base_url)
    api.create_account("keeper", PASSWORD, "keeper@example.com", agreement=True)
    return api


class Writer(threading.Thread):
    """Posts one status after another, counting the acknowledged ones."""

    def __init__(self, api: Mastodon) -> None:
        super().__init__(daemon=True)
        self.api, self.acknowledged, self.stop = api, 0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.api.status_post(f"post number {self.acknowledged + 1}")
            self.acknowledged += 1


def test_a_backup_taken_under_writes_restores_whole(tmp_path: Path) -> None:
    live_dir, restored_dir = tmp_path / "live", tmp_path / "restored"
    live_dir.mkdir()
    restored_dir.mkdir()
    with fresh_database(live_dir) as live_db, run_server(live_dir, database_url=live_db) as live:
        api = _author(live)
        media = api.media_post(BytesIO(media_files.png((40, 30))), mime_type="image/png",
                               file_name="kept.png", description="Kept safe")
        pictured = api.status_post("with a picture", media_ids=[media["id"]])
        image_path = urlsplit(media["url"]).path
        image = httpx.get(f"{live.base_url}{image_path}").content
        (live_dir / "media" / "kept").mkdir(parents=True)
        (live_dir / "media" / "kept" / "photo.bin").write_bytes(b"\x89 a stored file")
        writer = Writer(api)
        writer.start()
        try:
            while writer.acknowledged < 5:
                threading.Event().wait(0.05)
            before = writer.acknowledged
            made = _parley("backup", str(tmp_path / "backup"), database_url=live_db,
                           data_dir=live_dir)
            after = writer.acknowledged
        finally:
            writer.stop.set()
            writer.join(timeout=30)
        assert made.returncode == 0, made.stderr
        refused = _parley("backup", str(tmp_path / "backup"), database_url=live_db,
                          data_dir=live_dir)
        assert refused.returncode != 0 and "exists already" in refused.stderr
    with fresh_database(restored_dir) as restored_db:
        if restored_db.startswith("sqlite"):
            Path(restored_db.split("///", 1)[1]).unlink(missing_ok=True)
        put_back = _parley("restore", str(tmp_path / "backup"), database_url=restored_db,
                           data_dir=restored_dir)
        assert put_back.returncode == 0, put_back.stderr
        assert (restored_dir / "media" / "kept" / "photo.bin").read_bytes() == \
            b"\x89 a stored file"
        with run_server(restored_dir, database_url=restored_db) as restored:
            reader = Mastodon(api_base_url=restored.base_url)
            account = reader.account_lookup("keeper")
            statuses = reader.account_statuses(account["id"], limit=40)
            [attached] = reader.status(pictured["id"])["media_attachments"]
            assert urlsplit(attached["url"]).path == image_path
            served = httpx.get(f"{restored.base_url}{image_path}")
            assert served.status_code == 200 and served.content == image
            assert served.headers["content-type"] == "image/png"
            count = account["statuses_count"] - 1  # the writer's, besides the picture's
            assert before <= count <= after + 1, (before, count, after)
            numbers = sorted(int(s["content"].split()[-1].rstrip("</p>")) for s in statuses
                             if s["id"] != pictured["id"])
            assert numbers == list(range(count - len(numbers) + 1, count + 1))
