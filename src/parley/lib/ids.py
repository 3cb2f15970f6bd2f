"""Snowflake ids: 64-bit, time-sortable, made in the app (ms timestamp << 16 | sequence)."""

from __future__ import annotations

import secrets
import threading
import time
from datetime import datetime

_SEQUENCE_BITS = 16
_SEQUENCE_MASK = (1 << _SEQUENCE_BITS) - 1


class SnowflakeGenerator:
    """Makes strictly increasing ids within a process; random low bits keep processes apart."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0
        self._dated = 0

    def next_id(self, at_ms: int | None = None) -> int:
        with self._lock:
            if at_ms is not None:
                # Dated ids cannot follow the clock: a counter in the low bits keeps several
                # rows dated the same millisecond apart (random bits collided now and then).
                self._dated += 1
                candidate = (at_ms << _SEQUENCE_BITS) | (self._dated & _SEQUENCE_MASK)
            else:
                candidate = (int(time.time() * 1000) << _SEQUENCE_BITS
                             ) | secrets.randbelow(1 << 12)
                if candidate <= self._last:
                    candidate = self._last + 1
            self._last = max(self._last, candidate)
        return candidate


_generator = SnowflakeGenerator()


def new_id() -> int:
    """A fresh id for a row created now."""
    return _generator.next_id()


def id_at(moment: datetime) -> int:
    """An id for a row dated at a given moment (imports, demo data)."""
    return _generator.next_id(int(moment.timestamp() * 1000))


def lowest_id_at(moment: datetime) -> int:
    """The smallest id any row created at `moment` can have: a bound for time range queries."""
    return int(moment.timestamp() * 1000) << _SEQUENCE_BITS


# The largest id a database column holds (signed 64-bit).
MAX_ID = 2**63 - 1


def parse_id(raw: object) -> int | None:
    """An id sent as text: ASCII digits naming a signed 64-bit value, else None (`"³"` is a
    digit to str.isdigit() and not to int(); 2**63 overflows the database's integer)."""
    if not isinstance(raw, str) or not raw.isascii() or not raw.isdigit() or len(raw) > 19:
        return None
    value = int(raw)
    return value if value <= MAX_ID else None


def parse_cursor(raw: object) -> int | None:
    """A paging cursor (max_id, since_id, min_id): as parse_id, but a cursor beyond the id
    space means "past every id", so it is clamped rather than ignored."""
    if isinstance(raw, str) and raw.isascii() and raw.isdigit():
        return MAX_ID if len(raw) > 19 else min(int(raw), MAX_ID)
    return None
