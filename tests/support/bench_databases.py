"""Throwaway databases for the benchmark tests: a SQLite file by default, a PostgreSQL
database of its own when the suite runs on PostgreSQL (dropped afterwards)."""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# bench/ lives at the repository root, beside src/ (it is not part of the installed package).
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.load import Destination


def throwaway_url(tmp_path: Path, name: str) -> str:
    server = os.environ.get("PARLEY_TEST_DATABASE_URL", "")
    if not server.startswith(("postgresql", "postgres")):
        return f"sqlite:///{tmp_path / f'{name}.sqlite3'}"
    parts = urlsplit(server.replace("postgresql+asyncpg://", "postgresql://"))
    return urlunsplit(parts._replace(path=f"/parley_bench_{secrets.token_hex(4)}"))


def drop(url: str) -> None:
    """Drop a throwaway PostgreSQL database (a SQLite file goes with its folder)."""
    dest = Destination(url)
    if dest.is_sqlite:
        return
    import asyncpg

    async def dropped() -> None:
        conn = await asyncpg.connect(dest.admin_dsn())
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{dest.pg_name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(dropped())
