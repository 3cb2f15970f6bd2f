"""`parley demo` loads a conversation once, through the real services, ready to browse."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from mastodon import Mastodon

from support.clients import SchemaLog
from support.server import fresh_database, run_server


def parley_demo(database_url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PARLEY_DATABASE_URL": database_url, "PARLEY_DATA_DIR": str(tmp_path)}
    return subprocess.run([sys.executable, "-m", "parley", "demo"], env=env, text=True,
                          capture_output=True, timeout=120, check=False)


def test_demo_loads_once_and_can_be_browsed(tmp_path: Path, schema_log: SchemaLog) -> None:
    with fresh_database(tmp_path) as database_url:
        first = parley_demo(database_url, tmp_path)
        assert first.returncode == 0, first.stderr
        assert "parley-demo" in first.stdout and "alice" in first.stdout
        second = parley_demo(database_url, tmp_path)
        assert second.returncode == 0, second.stderr
        assert "already" in second.stdout
        with run_server(tmp_path, database_url=database_url) as server:
            client_id, secret = Mastodon.create_app("demo test", api_base_url=server.base_url,
                                                    session=schema_log.session())
            api = Mastodon(client_id=client_id, client_secret=secret,
                           api_base_url=server.base_url, session=schema_log.session())
            api.log_in(username="alice@demo.parley.example", password="parley-demo",
                       allow_http=True)
            me = api.me()
            assert me["username"] == "alice" and me["display_name"] == "Alice Park"
            assert me["followers_count"] == 3 and me["following_count"] == 2
            home = api.timeline_home(limit=40)
            [root] = [s for s in home if s["content"].count("kitchen tool")]
            assert root["replies_count"] == 1 and root["reblogs_count"] == 1
            assert root["favourites_count"] == 1
            authors = {s["account"]["acct"] for s in home}
            assert {"alice", "bob", "carol"} <= authors
            assert "dave" not in authors  # alice does not follow dave
            thread = api.status_context(root["id"])["descendants"]
            assert {s["account"]["acct"] for s in thread} == {"bob", "carol", "alice"}
            assert len(thread) == 5
            kinds = {n["type"] for n in api.notifications(limit=40)}
            assert {"follow", "mention", "favourite", "reblog"} <= kinds
            names = {s["account"]["acct"]: s["account"]["display_name"] for s in thread}
            assert names["carol"] == "Carol Jiménez"
