"""Passwords: which ones may be chosen (length, and none of the most common), and hashing
with argon2id."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# Lighter than argon2's default so that test suites and demo set-up stay quick,
# still well above OWASP's minimum for argon2id (19 MiB, t=2).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 72  # Mastodon's (bcrypt's); also bounds the work of one hash
_COMMON = Path(__file__).with_name("common_passwords.txt")


@cache
def _common_passwords() -> frozenset[str]:
    # Read at the first sign-up or password change, not at start: ~11,600 entries, ~1 MB.
    lines = _COMMON.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def password_problem(password: str) -> str | None:
    """Why `password` may not be chosen, or None if it may."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"password is shorter than {MIN_PASSWORD_LENGTH}"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"password is longer than {MAX_PASSWORD_LENGTH}"
    if password.lower() in _common_passwords():
        return "password is one of the most common passwords; choose another"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
