"""The `parley` command: migrate, account create, and a server on the same database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from mastodon import Mastodon

from support.clients import PASSWORD, SchemaLog
from support.server import fresh_database, run_server


def parley(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PARLEY_DATABASE_URL": database_url, "PARLEY_DATA_DIR": str(tmp_path)}
    return subprocess.run([sys.executable, "-m", "parley", *args], env=env, text=True,
                          capture_output=True, timeout=120, check=False)


def test_account_create_then_log_in(tmp_path: Path, schema_log: SchemaLog) -> None:
    with fresh_database(tmp_path) as database_url:
        assert parley(database_url, tmp_path, "migrate").returncode == 0
        created = parley(database_url, tmp_path, "account", "create", "carol",
                         "--email", "carol@example.com", "--password", PASSWORD, "--admin")
        assert created.returncode == 0, created.stderr
        assert "@carol" in created.stdout
        again = parley(database_url, tmp_path, "account", "create", "carol",
                       "--email", "c2@example.com", "--password", PASSWORD)
        assert again.returncode == 1
        assert "taken" in again.stderr
        weak = parley(database_url, tmp_path, "account", "create", "dave",
                      "--email", "dave@example.com", "--password", "short")
        assert weak.returncode == 1
        with run_server(tmp_path, database_url=database_url) as server:
            client_id, secret = Mastodon.create_app("cli test", api_base_url=server.base_url,
                                                    session=schema_log.session())
            api = Mastodon(client_id=client_id, client_secret=secret,
                           api_base_url=server.base_url, session=schema_log.session())
            api.log_in(username="carol@example.com", password=PASSWORD, allow_http=True)
            assert api.me()["username"] == "carol"


def test_help_lists_the_commands() -> None:
    result = subprocess.run([sys.executable, "-m", "parley", "--help"], text=True,
                            capture_output=True, timeout=60, check=False)
    assert result.returncode == 0
    for command in ("run", "serve", "worker", "migrate", "account", "demo"):
        assert command in result.stdout
