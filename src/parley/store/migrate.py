"""Runs Alembic migrations programmatically (on start, and by `parley migrate`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from parley.store.dialect import SQLITE, dialect_of_url, engine_url

MIGRATIONS_DIR = Path(__file__).parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


def migrate(database_url: str) -> None:
    """Bring the database schema to the latest revision. Blocking: call from a thread."""
    database_url = engine_url(database_url)
    if dialect_of_url(database_url) is SQLITE:
        path = database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(database_url), "head")
