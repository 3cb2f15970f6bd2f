"""OAuth services: registering apps, authorisation codes, token grants and revocation."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts import two_factor
from parley.accounts.models import Account, User
from parley.accounts.passwords import hash_password, verify_password
from parley.errors import Invalid, RateLimited, Unauthorized
from parley.lib.ids import new_id
from parley.lib.timefmt import as_utc, utcnow
from parley.lib.urls import redirect_uri_problem, web_url
from parley.oauth.models import AccessToken, Application, AuthorizationCode
from parley.oauth.scopes import parse_scopes, subset
from parley.oauth.tokens import IssuedToken, digest, issue_token

OOB_REDIRECT = "urn:ietf:wg:oauth:2.0:oob"
CODE_LIFETIME = timedelta(minutes=10)
MAX_REDIRECT_URI_LENGTH = 2048
# RFC 7636 section 4.2: a challenge is 43-128 unreserved characters.
CODE_CHALLENGE_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
PKCE_METHODS = ("S256", "plain")


class OAuthError(Invalid):
    """An RFC 6749 error: `error` is the machine code, message the description."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.status_code = status


async def register_application(session: AsyncSession, *, name: str, redirect_uris: list[str],
                               scopes: str | None, website: str | None,
                               owner_account_id: int | None = None) -> Application:
    """POST /api/v1/apps: a client with its id and secret."""
    if not name.strip():
        raise Invalid("Validation failed: client_name can't be blank")
    if not redirect_uris:
        raise Invalid("Validation failed: redirect_uris can't be blank")
    for uri in redirect_uris:
        problem = None if uri == OOB_REDIRECT else redirect_uri_problem(uri)
        if problem:
            raise Invalid(f"Validation failed: Redirect URI {problem}")
        if len(uri) > MAX_REDIRECT_URI_LENGTH:
            raise Invalid("Validation failed: Redirect URI is too long")
    if website and web_url(website) is None:
        raise Invalid("Validation failed: Website is invalid")
    app = Application(
        id=new_id(), name=name.strip()[:255], website=website or None,
        redirect_uris="\n".join(redirect_uris), scopes=" ".join(parse_scopes(scopes)),
        client_id=secrets.token_urlsafe(32), client_secret=secrets.token_urlsafe(32),
        owner_account_id=owner_account_id,
    )
    session.add(app)
    await session.flush()
    return app


async def find_client(session: AsyncSession, client_id: str | None) -> Application:
    app = await session.scalar(
        select(Application).where(Application.client_id == (client_id or "")))
    if app is None:
        raise OAuthError("invalid_client", "Client authentication failed due to unknown client",
                         401)
    return app


async def authenticate_client(session: AsyncSession, client_id: str | None,
                              client_secret: str | None) -> Application:
    app = await find_client(session, client_id)
    if not client_secret or not secrets.compare_digest(app.client_secret, client_secret):
        raise OAuthError("invalid_client", "Client authentication failed", 401)
    return app


def requested_scopes(app: Application, raw: str | None) -> list[str]:
    """The scopes asked for, which must lie within what the app registered."""
    try:
        scopes = parse_scopes(raw, default=app.scopes)
    except Invalid as exc:
        raise OAuthError("invalid_scope", exc.message)
    if not subset(scopes, app.scopes.split()):
        raise OAuthError("invalid_scope", "The requested scope is invalid, unknown, or malformed")
    return scopes


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


class SignInGuard(Protocol):
    """The budget of failed password checks (http/ratelimit.py keeps it)."""

    async def allowed(self, account_key: str) -> bool: ...

    async def failed(self, account_key: str) -> None: ...


TOO_MANY_SIGN_INS = "Too many failed sign-in attempts. Try again in a few minutes."


@dataclass(frozen=True)
class Credentials:
    """The account a right password names, and whether a second factor must follow."""

    account: Account
    needs_code: bool


def _may_sign_in(account: Account, user: User) -> None:
    if user.disabled or account.suspended_at is not None:
        raise Unauthorized("Your login is currently disabled")
    if not user.approved:
        raise Unauthorized("Your account is pending approval")


async def check_password(session: AsyncSession, login: str, password: str,
                         guard: SignInGuard | None) -> Credentials:
    """The account whose e-mail (or username) and password match, or Unauthorized; failures
    count against the account itself, whichever login spelling named it, and the caller's
    address (RateLimited once either budget is spent)."""
    normal = login.strip().lower()
    row = (await session.execute(
        select(Account, User).join(User, User.account_id == Account.id)
        .where(or_(User.email == normal, Account.acct_key == normal))
    )).first()
    key = _guard_key(row[0].id) if row is not None else f"login:{normal}"
    if guard is not None and not await guard.allowed(key):
        raise RateLimited(TOO_MANY_SIGN_INS)
    # Unknown logins spend the same time as a real check: response times reveal nobody.
    if not verify_password(row[1].password_hash if row else _dummy_hash(), password) or not row:
        if guard is not None:
            await guard.failed(key)
        raise Unauthorized("Invalid e-mail address or password")
    account, user = row
    _may_sign_in(account, user)
    return Credentials(account, needs_code=user.two_factor)


def _guard_key(account_id: int) -> str:
    return f"account:{account_id}"


async def check_own_password(session: AsyncSession, account: Account, password: str,
                             guard: SignInGuard | None) -> None:
    """A signed-in user's password again, before a change to how they sign in (a wrong one
    counts as a failed sign-in: a borrowed session cannot guess it)."""
    await check_password(session, account.acct_key, password, guard)


WRONG_CODE = "Invalid two-factor code"


async def check_code(session: AsyncSession, account_id: int, code: str, *, secret_key: str,
                     guard: SignInGuard | None) -> Account:
    """The second step of signing in: the account if `code` is its current TOTP code or an
    unspent recovery code (spent by this call). A wrong code counts as a failed sign-in of
    the account, in the same budgets as a wrong password, so codes cannot be guessed."""
    key = _guard_key(account_id)
    if guard is not None and not await guard.allowed(key):
        raise RateLimited(TOO_MANY_SIGN_INS)
    row = (await session.execute(
        select(Account, User).join(User, User.account_id == Account.id)
        .where(Account.id == account_id))).first()
    if row is None or not await two_factor.spend_code(session, row[1], code,
                                                      secret_key=secret_key):
        if guard is not None:
            await guard.failed(key)
        raise Unauthorized(WRONG_CODE)
    _may_sign_in(row[0], row[1])
    return row[0]


async def password_grant_account(session: AsyncSession, login: str, password: str,
                                 guard: SignInGuard | None) -> Account:
    """The owner for the password grant. As Mastodon (doorkeeper.rb
    resource_owner_from_credentials): an account with two-factor sign-in never gets a token
    from its password alone, and is answered as a wrong password is."""
    credentials = await check_password(session, login, password, guard)
    if credentials.needs_code:
        raise Unauthorized("Invalid e-mail address or password")
    return credentials.account


def registered_redirect(app: Application, redirect_uri: str | None) -> str:
    """The redirect URI to use: it must be one the app registered (or its only one)."""
    registered = [uri for uri in app.redirect_uris.split("\n") if uri]
    if not redirect_uri and len(registered) == 1:
        return registered[0]
    if not redirect_uri or redirect_uri not in registered:
        raise OAuthError("invalid_request", "The redirect URI included is not valid.")
    return redirect_uri


@dataclass
class AuthorizationRequest:
    """A checked /oauth/authorize request, ready to show for consent."""

    app: Application
    redirect_uri: str
    scopes: list[str]
    code_challenge: str | None
    code_challenge_method: str | None


def check_authorization_request(app: Application, redirect_uri: str, *, response_type: str,
                                scope: str | None, code_challenge: str | None,
                                code_challenge_method: str | None) -> AuthorizationRequest:
    """Validate what may be reported back to the redirect URI (the client and the redirect
    URI itself must already be checked: errors about those must never redirect)."""
    if response_type != "code":
        raise OAuthError("unsupported_response_type",
                         "The authorization server does not support this response type.")
    scopes = requested_scopes(app, scope)
    method = code_challenge_method or None
    if code_challenge:
        method = method or "plain"
        if method not in PKCE_METHODS:
            raise OAuthError("invalid_request", "Unsupported code_challenge_method")
        if not CODE_CHALLENGE_RE.match(code_challenge):
            raise OAuthError("invalid_request", "The code_challenge is malformed")
    elif method:
        raise OAuthError("invalid_request", "code_challenge_method given without code_challenge")
    return AuthorizationRequest(app=app, redirect_uri=redirect_uri, scopes=scopes,
                                code_challenge=code_challenge or None,
                                code_challenge_method=method)


async def create_code(session: AsyncSession, *, app: Application, account: Account,
                      scopes: list[str], redirect_uri: str, code_challenge: str | None,
                      code_challenge_method: str | None) -> str:
    """A one-time authorisation code (only its digest is stored)."""
    if code_challenge and (code_challenge_method or "plain") not in PKCE_METHODS:
        raise OAuthError("invalid_request", "Unsupported code_challenge_method")
    code = secrets.token_urlsafe(32)
    session.add(AuthorizationCode(
        code_hash=digest(code), application_id=app.id, account_id=account.id,
        scopes=" ".join(scopes), redirect_uri=redirect_uri, code_challenge=code_challenge,
        code_challenge_method=(code_challenge_method or "plain") if code_challenge else None,
        expires_at=utcnow() + CODE_LIFETIME,
    ))
    await session.flush()
    return code


def _pkce_matches(code: AuthorizationCode, verifier: str | None) -> bool:
    if code.code_challenge is None:
        return True
    if not verifier:
        return False
    if code.code_challenge_method == "S256":
        hashed = hashlib.sha256(verifier.encode()).digest()
        expected = base64.urlsafe_b64encode(hashed).decode().rstrip("=")
        return secrets.compare_digest(expected, code.code_challenge)
    return secrets.compare_digest(verifier, code.code_challenge)


async def exchange_code(session: AsyncSession, *, app: Application, code: str | None,
                        redirect_uri: str | None, code_verifier: str | None) -> IssuedToken:
    """authorization_code grant: a code is used once, for the app and redirect it was made for."""
    row = await session.get(AuthorizationCode, digest(code or ""))
    invalid = OAuthError("invalid_grant", "The provided authorization grant is invalid, expired, "
                         "revoked, does not match the redirection URI used in the authorization "
                         "request, or was issued to another client.")
    if row is None or row.application_id != app.id:
        raise invalid
    await session.delete(row)
    # RFC 6749 4.1.3: the redirect_uri must be the one the code was issued for; it may be left
    # out only where the authorisation request could leave it out (a single registered URI).
    registered = [uri for uri in app.redirect_uris.split("\n") if uri]
    given = redirect_uri or (registered[0] if len(registered) == 1 else None)
    if as_utc(row.expires_at) <= utcnow() or given != row.redirect_uri:
        raise invalid
    if not _pkce_matches(row, code_verifier):
        raise invalid
    return await issue_token(session, application_id=app.id, account_id=row.account_id,
                             scopes=row.scopes.split())


async def refresh(session: AsyncSession, *, app: Application, refresh_token: str | None
                  ) -> IssuedToken:
    """refresh_token grant: the old token is revoked and a new pair issued."""
    old = await session.scalar(select(AccessToken).where(
        AccessToken.refresh_token_hash == digest(refresh_token or "")))
    if old is None or old.application_id != app.id or old.revoked_at is not None:
        raise OAuthError("invalid_grant", "The refresh token is invalid")
    old.revoked_at = utcnow()
    return await issue_token(session, application_id=app.id, account_id=old.account_id,
                             scopes=old.scopes.split())


async def revoke(session: AsyncSession, *, app: Application, token: str) -> None:
    """RFC 7009: revoking an unknown token is not an error."""
    await session.execute(
        update(AccessToken)
        .where(or_(AccessToken.token_hash == digest(token),
                   AccessToken.refresh_token_hash == digest(token)),
               AccessToken.application_id == app.id, AccessToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


@dataclass
class AuthorizedApp:
    """An app holding live tokens for an account (the "authorized apps" settings list)."""

    application: Application
    scopes: list[str]
    tokens: int
    created_at: datetime
    last_used_at: datetime | None


async def authorized_apps(session: AsyncSession, *, account_id: int) -> list[AuthorizedApp]:
    """Apps with unrevoked tokens for the account, most recently authorised first."""
    rows = (await session.execute(
        select(AccessToken, Application)
        .join(Application, Application.id == AccessToken.application_id)
        .where(AccessToken.account_id == account_id, AccessToken.revoked_at.is_(None))
        .order_by(AccessToken.id.desc()))).tuples().all()
    apps: dict[int, AuthorizedApp] = {}
    for token, app in rows:
        entry = apps.get(app.id)
        if entry is None:
            entry = apps[app.id] = AuthorizedApp(app, [], 0, token.created_at, None)
        entry.tokens += 1
        entry.scopes = sorted(set(entry.scopes) | set(token.scopes.split()))
        used = token.last_used_at
        if used is not None and (entry.last_used_at is None or used > entry.last_used_at):
            entry.last_used_at = used
    return list(apps.values())


async def revoke_app(session: AsyncSession, *, account_id: int, application_id: int) -> None:
    """Revoke every token the app holds for the account (signing it out there)."""
    await session.execute(
        update(AccessToken)
        .where(AccessToken.account_id == account_id,
               AccessToken.application_id == application_id,
               AccessToken.revoked_at.is_(None))
        .values(revoked_at=utcnow()))


async def revoke_all_tokens(session: AsyncSession, *, account_id: int) -> None:
    """Every access token of the account stops working (a password change)."""
    await session.execute(
        update(AccessToken)
        .where(AccessToken.account_id == account_id, AccessToken.revoked_at.is_(None))
        .values(revoked_at=utcnow()).execution_options(synchronize_session=False))
