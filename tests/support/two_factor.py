"""Two-factor sign-in in tests: turning it on through the settings form, and the codes an
authenticator app would show (computed with pyotp, as the app would)."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pyotp

from support.forms import submit

RECOVERY_CODE = re.compile(r"<li>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</li>")


def totp_code(secret: str, *, steps_ahead: int = 0) -> str:
    """A code of this step or a later one (within the drift allowed): a step's code is
    accepted once, so each use in a test takes the next step."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def secret_of(html: str) -> str:
    """The secret in the set-up page's otpauth:// link."""
    uri = re.search(r'href="(otpauth://[^"]+)"', html)
    assert uri is not None, html[:2000]
    return parse_qs(urlsplit(uri.group(1).replace("&amp;", "&")).query)["secret"][0]


def enable_two_factor(tab: httpx.Client, password: str) -> tuple[str, list[str]]:
    """Turn it on for the account signed in on `tab`: the secret and the recovery codes."""
    page = tab.get("/settings/two-factor")
    assert page.status_code == 200, page.text
    secret = secret_of(page.text)
    done = submit(tab, page.text, "/settings/two-factor/enable", code=totp_code(secret),
                  password=password)
    assert done.status_code == 200, done.text
    codes = RECOVERY_CODE.findall(done.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    return secret, codes
