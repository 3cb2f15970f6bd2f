"""Request dependencies: the request's transaction, settings, and the bearer token's identity."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account, User
from parley.config import Settings
from parley.errors import Forbidden, NotFound, Unauthorized
from parley.oauth.models import Application
from parley.oauth.scopes import covers
from parley.oauth.tokens import Authenticated, TokenIdentity, authenticate, identify
from parley.store.database import Database
from parley.store.rawsql import Reader

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request owns its transaction: read-only for safe methods, one write otherwise."""
    db: Database = request.app.state.db
    scope = db.read() if request.method in SAFE_METHODS else db.write()
    async with scope as session:
        yield session


async def _settings(request: Request) -> Settings:
    # async: FastAPI runs a plain-def dependency in its thread pool (two thread hand-offs).
    settings: Settings = request.app.state.settings
    return settings


# scope="function": the transaction commits before the response is sent, so a client that
# posts and then reads at once always sees its own write.
DbSession = Annotated[AsyncSession, Depends(_session, scope="function")]
AppSettings = Annotated[Settings, Depends(_settings)]


async def _fast_reader(request: Request) -> AsyncIterator[Reader]:
    """The request's raw reads (store/rawsql): for the hot read routes, which open no ORM
    session at all. Released before the response is sent, like DbSession."""
    db: Database = request.app.state.db
    async with db.fast() as reader:
        yield reader


FastReader = Annotated[Reader, Depends(_fast_reader, scope="function")]


def bearer_token(request: Request) -> str | None:
    """The token from the Authorization header or, as Mastodon allows, ?access_token=."""
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return request.query_params.get("access_token") or None


@dataclass
class Viewer:
    """The signed-in person making a request."""

    account: Account
    user: User | None
    application: Application | None
    scopes: set[str]

    @property
    def id(self) -> int:
        return self.account.id


async def _authenticated(request: Request, session: AsyncSession) -> Authenticated | None:
    raw = bearer_token(request)
    if raw is None:
        return None
    auth = await authenticate(session, raw)
    if auth is None:
        raise Unauthorized()
    return auth


def _check_scope(auth: Authenticated, scope: str) -> None:
    if not covers(auth.scopes, scope):
        raise Forbidden("This action is outside the authorized scopes")


def user_required(scope: str) -> Callable[..., Awaitable[Viewer]]:
    """Dependency: a token for a signed-in user holding `scope`."""

    async def dependency(request: Request, session: DbSession) -> Viewer:
        auth = await _authenticated(request, session)
        if auth is None:
            raise Unauthorized()
        if auth.account is None:
            raise Unauthorized("This method requires an authenticated user")
        _check_scope(auth, scope)
        return Viewer(auth.account, auth.user, auth.application, auth.scopes)

    return dependency


def user_optional(scope: str) -> Callable[..., Awaitable[Viewer | None]]:
    """Dependency: the signed-in user if a token is given (it must be valid), else None."""

    async def dependency(request: Request, session: DbSession) -> Viewer | None:
        auth = await _authenticated(request, session)
        if auth is None or auth.account is None:
            return None
        _check_scope(auth, scope)
        return Viewer(auth.account, auth.user, auth.application, auth.scopes)

    return dependency


def app_required(scope: str | None) -> Callable[..., Awaitable[Authenticated]]:
    """Dependency: any valid token (app-only client_credentials tokens included) holding
    `scope`, or any scope at all when it is None."""

    async def dependency(request: Request, session: DbSession) -> Authenticated:
        auth = await _authenticated(request, session)
        if auth is None:
            raise Unauthorized()
        if scope is not None:
            _check_scope(auth, scope)
        return auth

    return dependency


@dataclass(slots=True)
class FastViewer:
    """The signed-in person of a fast-path request: ids only, no ORM objects."""

    id: int
    application_id: int | None
    scopes: set[str]


def _fast_viewer(identity: TokenIdentity | None, scope: str) -> FastViewer:
    if identity is None:
        raise Unauthorized()
    if identity.account_id is None:
        raise Unauthorized("This method requires an authenticated user")
    if not covers(identity.scopes, scope):
        raise Forbidden("This action is outside the authorized scopes")
    return FastViewer(identity.account_id, identity.application_id, identity.scopes)


async def fast_required(request: Request, reader: Reader, scope: str) -> FastViewer:
    """user_required's rules on the raw read path: one raw query."""
    raw = bearer_token(request)
    return _fast_viewer(await identify(reader, raw) if raw else None, scope)


async def fast_optional(request: Request, reader: Reader, scope: str) -> FastViewer | None:
    """user_optional's rules on the raw read path."""
    raw = bearer_token(request)
    if raw is None:
        return None
    identity = await identify(reader, raw)
    if identity is not None and identity.account_id is None:
        return None
    return _fast_viewer(identity, scope)


def fast_user_required(scope: str) -> Callable[..., Awaitable[FastViewer]]:
    """Dependency: fast_required."""

    async def dependency(request: Request, reader: FastReader) -> FastViewer:
        return await fast_required(request, reader, scope)

    return dependency


def fast_user_optional(scope: str) -> Callable[..., Awaitable[FastViewer | None]]:
    """Dependency: fast_optional."""

    async def dependency(request: Request, reader: FastReader) -> FastViewer | None:
        return await fast_optional(request, reader, scope)

    return dependency


def parse_id(raw: str) -> int:
    """Path ids are strings on the wire; anything not a 64-bit integer simply is not found."""
    if not raw.isdigit() or len(raw) > 19:
        raise NotFound()
    value = int(raw)
    if value >= 2**63:
        raise NotFound()
    return value
