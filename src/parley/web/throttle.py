"""Sign-in throttling, in memory per process: after LIMIT failed attempts for one login from
one address within WINDOW seconds, that pair must wait; an address failing for many logins
is slowed as a whole. Several web processes each keep their own count, so the effective
limit is LIMIT x processes: enough to stop password guessing, without a shared store."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

from fastapi import Request

WINDOW = 15 * 60.0
LIMIT = 5
ADDRESS_LIMIT = 30
MAX_KEYS = 50_000  # bounded memory under a flood of distinct logins


@dataclass
class LoginThrottle:
    failures: dict[str, deque[float]] = field(default_factory=dict)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self.failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - WINDOW:
            times.popleft()
        if not times:
            del self.failures[key]
        return times

    def wait_seconds(self, address: str, login: str) -> int:
        """0 when a sign-in may be tried now, else how long to wait."""
        now = time.monotonic()
        waits = []
        for key, limit in ((f"{address}|{login.strip().lower()}", LIMIT),
                           (address, ADDRESS_LIMIT)):
            times = self._recent(key, now)
            if len(times) >= limit:
                waits.append(int(times[0] + WINDOW - now) + 1)
        return max(waits, default=0)

    def failed(self, address: str, login: str) -> None:
        now = time.monotonic()
        if len(self.failures) > MAX_KEYS:
            self.failures.clear()
        for key in (f"{address}|{login.strip().lower()}", address):
            self.failures.setdefault(key, deque()).append(now)

    def succeeded(self, address: str, login: str) -> None:
        self.failures.pop(f"{address}|{login.strip().lower()}", None)


def throttle_for(request: Request) -> LoginThrottle:
    state = request.app.state
    if not hasattr(state, "login_throttle"):
        state.login_throttle = LoginThrottle()
    throttle: LoginThrottle = state.login_throttle
    return throttle


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
