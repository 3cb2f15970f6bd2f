"""Backups and restores of a Parley server: the database and the local media files, into one
folder. SQLite is copied through its online backup API (a consistent snapshot while the server
serves and writes); PostgreSQL through pg_dump's custom format (pg_restore reads it back)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from parley.config import Settings

SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
MANIFEST = "backup.json"


class BackupError(Exception):
    """A backup or restore that cannot be made; the message says why."""


@dataclass(frozen=True)
class Target:
    """Where a server's data lives: the database (a SQLite file, or a PostgreSQL URL) and
    the folder of its local media files."""

    sqlite_path: Path | None
    postgres_url: str | None
    media: Path

    @classmethod
    def of(cls, settings: Settings) -> Target:
        url = make_url(settings.resolved_database_url)
        media = settings.data_dir / "media"
        if url.get_backend_name() == "sqlite":
            return cls(Path(url.database or ""), None, media)
        plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
        return cls(None, plain, media)


def backup(settings: Settings, destination: Path) -> Path:
    """Write a backup into `destination` (a new folder); returns it."""
    target = Target.of(settings)
    if destination.exists():
        raise BackupError(f"{destination} exists already: give a new folder")
    destination.mkdir(parents=True)
    if target.sqlite_path is not None:
        _sqlite_backup(target.sqlite_path, destination / SQLITE_FILE)
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={destination / PG_FILE}",
              str(target.postgres_url)])
    files = _copy_media(target.media, destination / "media") if target.media.is_dir() else 0
    (destination / MANIFEST).write_text(json.dumps({
        "made_at": datetime.now(UTC).isoformat(),
        "database": "sqlite" if target.sqlite_path is not None else "postgresql",
        "media_files": files,
        # An S3 bucket is not copied: it is backed up (versioned, replicated) as a bucket.
        "media_storage": settings.media_storage}))
    return destination


def _copy_media(source: Path, destination: Path) -> int:
    """Copy the local media files, after the database, so that every file its copy names
    was there already; returns how many. A file still being written (`.tmp`: storage writes
    a temporary name, then renames) is left out, and one deleted while the copy runs (its
    attachment removed meanwhile) is skipped, rather than failing the backup."""
    copied = 0
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.name.endswith(".tmp"):
            continue
        target = destination / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copy2(path, target)
        except FileNotFoundError:
            continue
        copied += 1
    return copied


def restore(settings: Settings, source: Path, *, force: bool = False) -> None:
    """Put a backup back in place of this server's data (the server must be stopped)."""
    if not (source / MANIFEST).exists():
        raise BackupError(f"{source} is not a Parley backup (no {MANIFEST})")
    target = Target.of(settings)
    if target.sqlite_path is not None:
        _sqlite_restore(source / SQLITE_FILE, target.sqlite_path, force=force)
    else:
        if not (source / PG_FILE).exists():
            raise BackupError("this backup holds no PostgreSQL dump")
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner",
              f"--dbname={target.postgres_url}", str(source / PG_FILE)])
    if (source / "media").is_dir():
        if target.media.exists():
            shutil.rmtree(target.media)
        shutil.copytree(source / "media", target.media)


def _sqlite_backup(database: Path, copy: Path) -> None:
    if not database.exists():
        raise BackupError(f"no database at {database}")
    with sqlite3.connect(database) as live, sqlite3.connect(copy) as out:
        # The online backup API copies pages in steps; writers in between restart nothing
        # they need not: the copy is the database as of one moment.
        live.backup(out, pages=1024)
    _check_integrity(copy)


def _sqlite_restore(copy: Path, database: Path, *, force: bool) -> None:
    if not copy.exists():
        raise BackupError("this backup holds no SQLite database")
    if database.exists() and not force:
        raise BackupError(f"{database} exists: stop the server and pass --force to replace it")
    _check_integrity(copy)
    database.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (Path(f"{database}-wal"), Path(f"{database}-shm")):
        leftover.unlink(missing_ok=True)  # a log of the replaced database must not replay
    with sqlite3.connect(copy) as source, sqlite3.connect(database) as out:
        source.backup(out)


def _check_integrity(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        result = connection.execute("PRAGMA integrity_check").fetchone()
    if not result or result[0] != "ok":
        raise BackupError(f"{path} failed its integrity check: {result}")


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL's client tools)")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:2000]}")
