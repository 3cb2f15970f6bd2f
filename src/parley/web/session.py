"""Web sessions: a signed cookie naming the signed-in account, and CSRF tokens tied to it.

The cookie is `base64url(json).base64url(hmac-sha256)` keyed from settings.secret_key. Every
visitor who sees a form gets one (anonymous until sign-in), so the form's CSRF token, an HMAC
of the session's random id, can be checked on POST. Signing in issues a new session id, so a
token or cookie planted before sign-in is worthless afterwards. An account with two-factor
sign-in gets no session until its code: only a sealed pending token, bound to the browser's
anonymous session.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import orjson
from fastapi import Request
from starlette.responses import Response

from parley.config import Settings
from parley.lib.sealing import seal, unseal

COOKIE_NAME = "parley_session"
MAX_AGE_SECONDS = 30 * 24 * 3600
# Bound the work done on a hostile cookie before its signature is checked.
MAX_COOKIE_LENGTH = 512


@dataclass(frozen=True)
class WebSession:
    """What the cookie carries: a random id and, once signed in, the account id."""

    sid: str
    account_id: int | None
    expires: int

    @classmethod
    def new(cls, account_id: int | None = None) -> WebSession:
        return cls(sid=secrets.token_urlsafe(18), account_id=account_id,
                   expires=int(time.time()) + MAX_AGE_SECONDS)


def _key(settings: Settings, purpose: bytes) -> bytes:
    return hmac.new(settings.secret_key.encode(), b"parley.web." + purpose,
                    hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(settings: Settings, session: WebSession) -> str:
    payload = _b64(orjson.dumps({"sid": session.sid, "aid": session.account_id,
                                 "exp": session.expires}))
    signature = hmac.new(_key(settings, b"session"), payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{_b64(signature)}"


def decode(settings: Settings, raw: str | None) -> WebSession | None:
    """The session in a cookie value, or None if it is missing, forged or expired."""
    if not raw or len(raw) > MAX_COOKIE_LENGTH or raw.count(".") != 1:
        return None
    payload, signature = raw.split(".")
    expected = hmac.new(_key(settings, b"session"), payload.encode(), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(expected, _unb64(signature)):
            return None
        data = orjson.loads(_unb64(payload))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    sid, account_id, expires = data.get("sid"), data.get("aid"), data.get("exp")
    if not isinstance(sid, str) or not isinstance(expires, int) or expires < time.time():
        return None
    if account_id is not None and not isinstance(account_id, int):
        return None
    return WebSession(sid=sid, account_id=account_id, expires=expires)


def read_session(request: Request, settings: Settings) -> WebSession | None:
    return decode(settings, request.cookies.get(COOKIE_NAME))


def csrf_token(settings: Settings, session: WebSession) -> str:
    return _b64(hmac.new(_key(settings, b"csrf"), session.sid.encode(), hashlib.sha256).digest())


def csrf_valid(settings: Settings, session: WebSession | None, token: str | None) -> bool:
    if session is None or not token:
        return False
    return hmac.compare_digest(csrf_token(settings, session), token)


def set_cookie(response: Response, settings: Settings, session: WebSession) -> None:
    response.set_cookie(COOKIE_NAME, encode(settings, session), max_age=MAX_AGE_SECONDS,
                        path="/", httponly=True, samesite="lax",
                        secure=settings.base_url.startswith("https://"))


# Between a right password and the second factor: no session, only this sealed token in the
# code form, bound to the browser's (anonymous) session and good for a few minutes.
PENDING_PURPOSE = "parley.web.pending_sign_in"
PENDING_MAX_AGE_SECONDS = 5 * 60


def pending_sign_in(settings: Settings, session: WebSession, account_id: int) -> str:
    return seal(settings.secret_key, PENDING_PURPOSE, f"{account_id}:{session.sid}")


def pending_account_id(settings: Settings, session: WebSession | None, token: str | None
                       ) -> int | None:
    """The account whose password this browser gave, if `token` is that proof and fresh."""
    if session is None or not token or len(token) > MAX_COOKIE_LENGTH:
        return None
    text = unseal(settings.secret_key, PENDING_PURPOSE, token,
                  max_age=PENDING_MAX_AGE_SECONDS)
    account, _, sid = (text or "").partition(":")
    if not account.isascii() or not account.isdigit() or not hmac.compare_digest(
            sid.encode(), session.sid.encode()):
        return None
    return int(account)
