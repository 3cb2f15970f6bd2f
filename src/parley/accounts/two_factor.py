"""Two-factor sign-in: TOTP secrets (RFC 6238 through pyotp, 30 s steps, one step of drift
either way, a code never accepted twice) and one-time recovery codes, stored as digests."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Sequence

import pyotp
from sqlalchemy import delete, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import RecoveryCode, User
from parley.lib.sealing import seal, unseal

SECRET_PURPOSE = "parley.two_factor.secret"
RECOVERY_CODES = 10
DRIFT_STEPS = 1
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper
_RECOVERY_LENGTH = 12  # about 59 bits each: a digest of one cannot be searched back


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, *, account_name: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads (from the QR code, or typed)."""
    return pyotp.TOTP(secret).provisioning_uri(name=account_name, issuer_name=issuer)


def _digits(code: str) -> str:
    return "".join(code.split())


def matching_step(secret: str, code: str, *, after: int | None, now: float | None = None
                  ) -> int | None:
    """The time step whose code `code` is (this one or a neighbour), if it is later than
    `after`, the last step accepted; else None."""
    code = _digits(code)
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(time.time() if now is None else now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step),
                                                                   code):
            return step
    return None


def _recovery_digest(code: str) -> str:
    normal = _digits(code).replace("-", "").lower()
    return hashlib.sha256(normal.encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, _RECOVERY_LENGTH, 4))


def stored_secret(user: User, secret_key: str) -> str | None:
    """The user's TOTP secret, or None when 2FA is off (or the server's secret changed)."""
    if user.otp_secret is None:
        return None
    return unseal(secret_key, f"{SECRET_PURPOSE}:{user.account_id}", user.otp_secret)


async def replace_recovery_codes(db: AsyncSession, *, account_id: int) -> Sequence[str]:
    """Ten new recovery codes (the old ones stop working); only their digests are kept, so
    they are shown to the user this once."""
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    await db.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account_id))
    db.add_all(RecoveryCode(account_id=account_id, digest=_recovery_digest(code))
               for code in codes)
    await db.flush()
    return codes


async def enable(db: AsyncSession, user: User, *, secret: str, step: int, secret_key: str
                 ) -> Sequence[str]:
    """Turn 2FA on with `secret`, confirmed by the code of `step`; the recovery codes."""
    user.otp_secret = seal(secret_key, f"{SECRET_PURPOSE}:{user.account_id}", secret)
    user.otp_last_step = step
    await db.flush()
    return await replace_recovery_codes(db, account_id=user.account_id)


async def disable(db: AsyncSession, user: User) -> None:
    user.otp_secret = None
    user.otp_last_step = None
    await db.execute(delete(RecoveryCode).where(RecoveryCode.account_id == user.account_id))
    await db.flush()


async def _spend_step(db: AsyncSession, account_id: int, step: int) -> bool:
    # One conditional UPDATE: of two requests with the same code, only one moves the step.
    result = await db.execute(
        update(User).where(User.account_id == account_id,
                           or_(User.otp_last_step.is_(None), User.otp_last_step < step))
        .values(otp_last_step=step).execution_options(synchronize_session=False))
    return bool(getattr(result, "rowcount", 0))


async def _spend_recovery_code(db: AsyncSession, account_id: int, code: str) -> bool:
    result = await db.execute(delete(RecoveryCode).where(
        RecoveryCode.account_id == account_id, RecoveryCode.digest == _recovery_digest(code)))
    return bool(getattr(result, "rowcount", 0))


async def spend_code(db: AsyncSession, user: User, code: str, *, secret_key: str) -> bool:
    """Whether `code` is the user's current TOTP code (not used before) or one of their
    unspent recovery codes; either is spent by this call."""
    secret = stored_secret(user, secret_key)
    if secret is None or not code.strip():
        return False
    step = matching_step(secret, code, after=user.otp_last_step)
    if step is not None:
        return await _spend_step(db, user.account_id, step)
    return await _spend_recovery_code(db, user.account_id, code)
