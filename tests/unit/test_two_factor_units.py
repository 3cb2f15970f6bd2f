"""The TOTP rule (one step of drift either way, never a step twice, ASCII digits only) and
sealing (one key per purpose, an age limit), without a server."""

from __future__ import annotations

import pyotp

from parley.accounts.two_factor import matching_step, new_secret
from parley.lib.sealing import seal, unseal

NOW = 1_800_000_015.0  # the middle of a step


def test_a_code_matches_its_step_and_one_either_side_only() -> None:
    secret = new_secret()
    totp, step = pyotp.TOTP(secret), int(NOW // 30)
    for offset in (-1, 0, 1):
        assert matching_step(secret, totp.at(NOW + 30 * offset), after=None, now=NOW) == (
            step + offset)
    for offset in (-2, 2):
        code = totp.at(NOW + 30 * offset)
        if code not in {totp.at(NOW + 30 * near) for near in (-1, 0, 1)}:
            assert matching_step(secret, code, after=None, now=NOW) is None


def test_a_step_already_used_is_refused_and_spaces_are_ignored() -> None:
    secret = new_secret()
    code, step = pyotp.TOTP(secret).at(NOW), int(NOW // 30)
    assert matching_step(secret, code, after=step, now=NOW) is None
    assert matching_step(secret, f" {code[:3]} {code[3:]} ", after=step - 1, now=NOW) == step


def test_only_six_ascii_digits_are_codes() -> None:
    secret = new_secret()
    fullwidth = "".join(chr(0xFF11 + n) for n in range(6))
    for code in ("", "12345", "1234567", "abcdef", fullwidth, "³³³³³³"):
        assert matching_step(secret, code, after=None, now=NOW) is None


def test_sealed_text_opens_only_for_its_purpose_and_key_and_age() -> None:
    sealed = seal("key one", "purpose a", "the secret")
    assert unseal("key one", "purpose a", sealed) == "the secret"
    assert unseal("key one", "purpose b", sealed) is None
    assert unseal("key two", "purpose a", sealed) is None
    assert unseal("key one", "purpose a", sealed[:-3] + "abc") is None
    assert unseal("key one", "purpose a", "not even base64 ☃") is None
    assert unseal("key one", "purpose a", sealed, max_age=3600) == "the secret"
