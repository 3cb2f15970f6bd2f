"""Integers sent as text: the one rule for what counts as one (ids have theirs, built the
same way, in lib/ids.py)."""

from __future__ import annotations


def ascii_int(raw: object, *, max_digits: int = 18, signed: bool = False) -> int | None:
    """`raw` as an int when it is ASCII digits (after a minus, if `signed`), at most
    `max_digits` of them; else None. `str.isdigit()` alone says yes to "³", which int()
    refuses, and to full-width digits, which int() reads; thousands of digits make int()
    raise (Python's limit on digits) after costing time."""
    if not isinstance(raw, str):
        return None
    digits = raw.removeprefix("-") if signed else raw
    if not digits or len(digits) > max_digits or not (digits.isascii() and digits.isdigit()):
        return None
    return int(raw)
