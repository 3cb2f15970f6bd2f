"""Issuing and checking bearer tokens; only SHA-256 digests are stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account, User
from parley.lib.ids import new_id
from parley.lib.timefmt import as_utc, utcnow
from parley.oauth.models import AccessToken, Application
from parley.store.rawsql import Reader, Sql, reader_now


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


@dataclass
class IssuedToken:
    """A token as handed to a client: the only moment its plain text exists."""

    row: AccessToken
    access_token: str
    refresh_token: str | None


async def issue_token(
    session: AsyncSession,
    *,
    application_id: int | None,
    account_id: int | None,
    scopes: list[str],
    with_refresh: bool = True,
) -> IssuedToken:
    """Create a token row and return the plain secrets once."""
    access = new_secret()
    refresh = new_secret() if with_refresh else None
    row = AccessToken(
        id=new_id(), token_hash=digest(access),
        refresh_token_hash=digest(refresh) if refresh else None,
        application_id=application_id, account_id=account_id, scopes=" ".join(scopes),
    )
    session.add(row)
    await session.flush()
    return IssuedToken(row=row, access_token=access, refresh_token=refresh)


@dataclass
class Authenticated:
    """Who a valid bearer token speaks for."""

    token: AccessToken
    account: Account | None
    user: User | None
    application: Application | None

    @property
    def scopes(self) -> set[str]:
        return set(self.token.scopes.split())


async def authenticate(session: AsyncSession, raw_token: str) -> Authenticated | None:
    """The live token for `raw_token`, with its account, user and app; None if unusable."""
    stmt = (
        select(AccessToken, Account, User, Application)
        .outerjoin(Account, Account.id == AccessToken.account_id)
        .outerjoin(User, User.account_id == AccessToken.account_id)
        .outerjoin(Application, Application.id == AccessToken.application_id)
        .where(AccessToken.token_hash == digest(raw_token))
    )
    row = (await session.execute(stmt)).first()
    if row is None:
        return None
    token, account, user, application = row
    if token.revoked_at is not None:
        return None
    if token.expires_at is not None and as_utc(token.expires_at) <= utcnow():
        return None
    if user is not None and (user.disabled or not user.approved):
        return None
    return Authenticated(token=token, account=account, user=user, application=application)


@dataclass(slots=True)
class TokenIdentity:
    """authenticate's answer as ids, for the raw read path."""

    account_id: int | None
    application_id: int | None
    scopes: set[str]


# authenticate() in one indexed lookup: live (not revoked, not expired) token, and a user
# that is approved and not disabled when the token has one.
_IDENTIFY = Sql(
    "SELECT t.account_id, t.application_id, t.scopes, u.account_id, u.disabled, u.approved "
    "FROM oauth_access_tokens t LEFT JOIN users u ON u.account_id = t.account_id "
    "WHERE t.token_hash = :digest AND t.revoked_at IS NULL "
    "AND (t.expires_at IS NULL OR t.expires_at > :now)")


async def identify(reader: Reader, raw_token: str) -> TokenIdentity | None:
    """authenticate() on the raw read path: the same rules, ids instead of ORM objects.
    Not cached, so a revocation takes effect at once (one lookup costs ~30 µs)."""
    rows = await reader.fetch(_IDENTIFY, {"digest": digest(raw_token), "now": reader_now(reader)})
    if not rows:
        return None
    account_id, application_id, scopes, user_id, disabled, approved = rows[0]
    if user_id is not None and (disabled or not approved):
        return None
    return TokenIdentity(account_id, application_id, set(scopes.split()))
