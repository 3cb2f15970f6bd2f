"""bench.federation_crypto runs every row, and what it times succeeds (a check that failed
early would look cheap). Never how fast anything is."""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ lives at the repository root, beside src/ (it is not part of the installed package).
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.federation_crypto import key_pair, measures, per_call_us

from parley.lib.timefmt import utcnow


def test_every_row_runs_and_succeeds() -> None:
    private_pem, public_pem = key_pair()
    rows = measures(private_pem, public_pem, utcnow())
    assert set(rows) == {"rsa_sign_us", "rsa_verify_us", "sign_request_us",
                         "cavage_verify_us", "rfc9421_verify_us"}
    for work in rows.values():
        work()  # raises if the signature it checks is refused
    assert all(value > 0 for value in per_call_us(rows, rounds=1, calls=2).values())
