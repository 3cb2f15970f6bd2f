"""Rate limits as Mastodon sets them, declared here and nowhere else: the budgets a request
spends at the edge (its config/initializers/rack_attack.rb), the actions an account may take
so often (its RateLimiter families: posts, follows, reports) and failed password checks.
Counted by the `limits` library in this process's memory (one machine) or in Redis (scale
mode: every web process spends from one budget), answered with 429 and the X-RateLimit-*
headers Mastodon sends.

Budgets are fixed windows, as Rack::Attack counts them: the window's end is X-RateLimit-Reset.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import parse_qs

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from starlette.requests import HTTPConnection
from starlette.types import Message, Scope, Send

from parley.config import Settings
from parley.errors import RateLimited
from parley.http.auth import identify_once

log = logging.getLogger("parley.ratelimit")

# (method, path, caller) -> the key this budget counts under, or None when it does not apply.
KeyOf = Callable[[str, str, "Caller"], str | None]


@dataclass(frozen=True)
class Caller:
    """Who is asking, as the edge tells: the address and token from the request, the account
    from one lookup of the token."""

    address: str  # the client address, IPv6 grouped by /64 (one subscriber holds a /64)
    token: str | None  # a digest of the bearer token, never the token itself
    account: str | None = None  # the account a valid token speaks for (API requests)


@dataclass(frozen=True)
class Budget:
    name: str
    item: RateLimitItem
    key_of: KeyOf


@dataclass(frozen=True)
class Decision:
    """The tightest budget a request spent: its limit, what is left, when it refills."""

    limit: int
    remaining: int
    reset_at: float
    refused: bool

    def tighter_than(self, other: Decision | None) -> bool:
        """Whether this state is the one to report: a refusal, else the fewer requests left."""
        if other is None or (self.refused and not other.refused):
            return True
        return self.refused == other.refused and self.remaining < other.remaining

    def headers(self) -> list[tuple[bytes, bytes]]:
        reset = datetime.fromtimestamp(self.reset_at, UTC).isoformat(timespec="milliseconds")
        return [(b"x-ratelimit-limit", str(self.limit).encode()),
                (b"x-ratelimit-remaining", str(max(self.remaining, 0)).encode()),
                (b"x-ratelimit-reset", reset.replace("+00:00", "Z").encode())]


def _api(path: str) -> bool:
    return path.startswith(("/api/", "/oauth/"))


def _by_token(method: str, path: str, caller: Caller) -> str | None:
    return caller.token if _api(path) and caller.token else None


def _by_account(method: str, path: str, caller: Caller) -> str | None:
    return caller.account if _api(path) else None


def _by_address_unauthenticated(method: str, path: str, caller: Caller) -> str | None:
    return caller.address if _api(path) and not caller.token else None


def _media_upload(method: str, path: str, caller: Caller) -> str | None:
    uploads = method == "POST" and path in ("/api/v1/media", "/api/v2/media")
    return (caller.token or caller.address) if uploads else None


def _sign_up(method: str, path: str, caller: Caller) -> str | None:
    return caller.address if method == "POST" and path == "/api/v1/accounts" else None


def _token_grant(method: str, path: str, caller: Caller) -> str | None:
    # The token endpoint checks passwords (the password grant; the edge does not read the
    # form, so every grant counts). The web's sign-in forms count failures (SignInGuard).
    return caller.address if method == "POST" and path == "/oauth/token" else None


def _delete(method: str, path: str, caller: Caller) -> str | None:
    deletes = ((method == "DELETE" and path.startswith("/api/v1/statuses/"))
               or (method == "POST" and path.startswith("/api/v1/statuses/")
                   and path.endswith("/unreblog")))
    return (caller.token or caller.address) if deletes else None


BUDGETS = (
    Budget("token", parse("300/5 minutes"), _by_token),
    Budget("account", parse("1500/5 minutes"), _by_account),
    Budget("address", parse("300/5 minutes"), _by_address_unauthenticated),
    Budget("media", parse("30/30 minutes"), _media_upload),
    Budget("sign_up", parse("5/30 minutes"), _sign_up),
    Budget("sign_in", parse("25/5 minutes"), _token_grant),
    Budget("delete", parse("30/30 minutes"), _delete),
)
# Failed password checks, per account (whichever login spelling named it) and per address.
FAILED_SIGN_INS = parse("25/5 minutes")


@dataclass(frozen=True)
class ActionBudget:
    """What one account may do so often (Mastodon's RateLimiter families), whichever way it
    asks (API or web form): spent when the action succeeds (`spend_action`)."""

    name: str
    item: RateLimitItem


POSTS = ActionBudget("statuses", parse("300/3 hours"))  # posts and reposts
FOLLOWS = ActionBudget("follows", parse("400/24 hours"))  # accounts (requests too) and tags
REPORTS = ActionBudget("reports", parse("400/24 hours"))


def client_address(scope: Scope) -> str:
    """The client's address as the limits key it: an IPv6 address by its /64. (uvicorn has
    already taken X-Forwarded-For from the trusted proxies: PARLEY_TRUSTED_PROXIES.)"""
    client = scope.get("client")
    host = client[0] if client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            return value[7:].strip().decode("latin-1") if value[:7].lower() == b"bearer " else None
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return query.get("access_token", [None])[0]


def caller_of(scope: Scope) -> Caller:
    """The caller as the budgets key it: the address, and a digest of the bearer token (a
    wrong token counts as a token: it is refused by the route, and spends its own budget)."""
    token = _bearer(scope)
    return Caller(client_address(scope),
                  hashlib.sha256(token.encode()).hexdigest()[:32] if token else None)


async def account_caller(scope: Scope) -> Caller:
    """`caller_of`, with the account of a valid token on an API request: the token is looked
    up once (http/auth.py identify_once), and the route's authentication reuses the answer."""
    caller = caller_of(scope)
    if caller.token is None or not _api(scope["path"]):
        return caller
    try:
        identity = await identify_once(HTTPConnection(scope))
    except Exception:
        # The database is unreachable: the route's own lookup meets the same failure and
        # answers it as every route does; the edge only counts.
        log.warning("token lookup for the account budget failed", exc_info=True)
        return caller
    if identity is None or identity.account_id is None:
        return caller
    return replace(caller, account=str(identity.account_id))


class RateLimiter:
    """The budgets, over one storage."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.limiter = FixedWindowRateLimiter(storage)

    async def spend(self, method: str, path: str, caller: Caller) -> Decision | None:
        """Spend one request from every budget it belongs to; the tightest one's state (a
        refusal if any budget is empty), or None when none applies. A storage that fails
        (Redis gone) lets requests through: a limit must not take the service down."""
        try:
            return await self._spend_all(method, path, caller)
        except Exception:
            log.warning("rate limit storage unavailable; not limiting", exc_info=True)
            return None

    async def _spend_all(self, method: str, path: str, caller: Caller) -> Decision | None:
        tightest: Decision | None = None
        for budget in BUDGETS:
            key = budget.key_of(method, path, caller)
            if key is None:
                continue
            decision = await self._spend(budget.item, budget.name, key)
            if decision.refused:
                return decision
            if decision.tighter_than(tightest):
                tightest = decision
        return tightest

    async def spend_action(self, budget: ActionBudget, account_id: int) -> Decision | None:
        """Spend one of the account's `budget` (None when the storage fails, as `spend`)."""
        try:
            return await self._spend(budget.item, budget.name, str(account_id))
        except Exception:
            log.warning("rate limit storage unavailable; not limiting", exc_info=True)
            return None

    async def _spend(self, item: RateLimitItem, name: str, key: str) -> Decision:
        allowed = await self.limiter.hit(item, name, key)
        stats = await self.limiter.get_window_stats(item, name, key)
        return Decision(item.amount, stats.remaining, stats.reset_time, not allowed)

    def guard(self, scope: Scope) -> SignInGuard:
        """The failed-password budgets of the caller of `scope`, for oauth.check_password."""
        return SignInGuard(self.limiter, client_address(scope))


@dataclass(frozen=True)
class SignInGuard:
    """Failed password checks, limited per account and per address over every route that
    checks one (oauth/service.py check_password asks it)."""

    limiter: FixedWindowRateLimiter
    address: str

    async def allowed(self, account_key: str) -> bool:
        return (await self.limiter.test(FAILED_SIGN_INS, "failed_sign_in", account_key)
                and await self.limiter.test(FAILED_SIGN_INS, "failed_sign_in", self.address))

    async def failed(self, account_key: str) -> None:
        await self.limiter.hit(FAILED_SIGN_INS, "failed_sign_in", account_key)
        await self.limiter.hit(FAILED_SIGN_INS, "failed_sign_in", self.address)


# Where a request being limited keeps its Spending (the ASGI scope: the edge and the route
# see the same one).
SPENDING = "parley.ratelimit"


class Spending:
    """What one request has spent: the tightest state of its budgets, sent as its
    X-RateLimit-* headers however the response is made (edge, fast route, FastAPI, web)."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter
        self.tightest: Decision | None = None

    def note(self, decision: Decision | None) -> None:
        if decision is not None and decision.tighter_than(self.tightest):
            self.tightest = decision

    def sender(self, send: Send) -> Send:
        """`send` adding the headers of the tightest budget to the response's start."""
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and self.tightest is not None:
                message = {**message, "headers": [*message.get("headers", ()),
                                                  *self.tightest.headers()]}
            await send(message)
        return send_with_headers


async def spend_action(connection: HTTPConnection, budget: ActionBudget, account_id: int
                       ) -> None:
    """Spend one of `budget` for the account that just did its action, inside the action's
    transaction: RateLimited (which rolls the action back) once the budget is spent, as
    Mastodon counts a post, a follow or a report once it is made. Nothing when limits are
    off."""
    spending: Spending | None = connection.scope.get(SPENDING)
    if spending is None:
        return
    decision = await spending.limiter.spend_action(budget, account_id)
    spending.note(decision)
    if decision is not None and decision.refused:
        raise RateLimited()


def limiter_for(settings: Settings) -> RateLimiter | None:
    """The process's limiter: Redis-backed when the deployment has Redis (shared by every
    process), else in memory; None when limits are turned off."""
    if not settings.rate_limits:
        return None
    if settings.redis_url:
        storage: Storage = RedisStorage(
            "async+" + settings.redis_url, implementation="redispy",
            key_prefix=f"{settings.redis_prefix}:ratelimit")
    else:
        storage = MemoryStorage()
    return RateLimiter(storage)


def sign_in_guard(connection: HTTPConnection) -> SignInGuard | None:
    """The failed-password guard for a request (None when limits are off)."""
    limiter: RateLimiter | None = getattr(connection.app.state, "limiter", None)
    return limiter.guard(connection.scope) if limiter is not None else None
