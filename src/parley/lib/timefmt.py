"""Time helpers: aware UTC now, and Mastodon's ISO 8601 wire format with milliseconds."""

from __future__ import annotations

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Databases may hand back naive datetimes (SQLite); they are always UTC here."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    """2026-11-22T00:29:33.123Z, as Mastodon writes timestamps."""
    if value is None:
        return None
    utc = as_utc(value)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def iso_date(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    return value.strftime("%Y-%m-%d")
