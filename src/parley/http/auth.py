"""Who is asking: a bearer token becomes a Viewer (or a bare token identity) by one lookup
and one set of rules, for the fast routes and FastAPI's dependencies alike; the
ORM-Account variant, and a web session's account, for the routes that need the Account."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import Headers
from starlette.requests import HTTPConnection

from parley.accounts.models import Account, User
from parley.accounts.roles import Permission, Role, role_of
from parley.errors import Forbidden, Unauthorized
from parley.http.deps import DbSession, FastReader
from parley.oauth.scopes import covers
from parley.oauth.tokens import TokenIdentity, identify
from parley.store.database import Database
from parley.store.rawsql import Reader

__all__ = ["AccountViewer", "StaffViewer", "Viewer", "account_required", "active_account",
           "app_only", "app_required", "bearer_token", "header_token", "identify_once", "optional",
           "raw_user_required", "required", "staff_required", "token_identity",
           "user_optional", "user_required"]


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in person making a request: ids only, no ORM objects."""

    id: int  # the account's
    application_id: int | None
    scopes: tuple[str, ...]  # as granted, in order


@dataclass(frozen=True, slots=True)
class AccountViewer(Viewer):
    """A Viewer with the ORM Account loaded, for routes that change or render it."""

    account: Account


def header_token(headers: Headers) -> str | None:
    """The Authorization header's bearer token (maybe empty), or None if it has none."""
    header = headers.get("authorization", "")
    return header[7:].strip() if header[:7].lower() == "bearer " else None


def bearer_token(connection: HTTPConnection) -> str | None:
    """The token from the Authorization header or, as Mastodon allows, ?access_token=."""
    token = header_token(connection.headers)
    if token is not None:
        return token or None
    return connection.query_params.get("access_token") or None


def _check_scope(identity: TokenIdentity, scope: str | None) -> None:
    if scope is not None and not covers(identity.scopes, scope):
        raise Forbidden("This action is outside the authorized scopes")


def required(identity: TokenIdentity | None, scope: str) -> Viewer:
    """A valid token for a signed-in user, holding `scope`."""
    if identity is None:
        raise Unauthorized()
    if identity.account_id is None:
        raise Unauthorized("This method requires an authenticated user")
    _check_scope(identity, scope)
    return Viewer(identity.account_id, identity.application_id, identity.scopes)


def optional(given: bool, identity: TokenIdentity | None, scope: str) -> Viewer | None:
    """The signed-in user if a token was `given` (it must then be valid), else None; an
    app-only token reads as nobody."""
    if not given:
        return None
    if identity is not None and identity.account_id is None:
        return None
    return required(identity, scope)


def app_only(identity: TokenIdentity | None, scope: str | None) -> TokenIdentity:
    """Any valid token (app-only client_credentials tokens included) holding `scope`, or any
    scope at all when it is None."""
    if identity is None:
        raise Unauthorized()
    _check_scope(identity, scope)
    return identity


# Where a request keeps its token's identity once looked up (the ASGI scope), so the edge's
# per-account budget and the route's authentication cost one lookup between them.
IDENTITY = "parley.identity"


async def token_identity(connection: HTTPConnection, reader: Reader
                         ) -> tuple[bool, TokenIdentity | None]:
    """(whether a token was given, what it identifies): one indexed lookup on the raw read
    path, in the loop's thread on SQLite (none if the edge has looked it up already)."""
    known: tuple[bool, TokenIdentity | None] | None = connection.scope.get(IDENTITY)
    if known is not None:
        return known
    raw = bearer_token(connection)
    if raw is None:
        return False, None
    identity = await identify(reader, raw)
    if identity is None and reader.shared:
        # The snapshot was begun by an earlier request: it may predate the token.
        db: Database = connection.app.state.db
        async with db.fresh() as newer:
            identity = await identify(newer, raw)
    return True, identity


async def identify_once(connection: HTTPConnection) -> TokenIdentity | None:
    """The request's token identity, looked up ahead of routing (the per-account rate
    limit) and kept for the route's authentication."""
    db: Database = connection.app.state.db
    async with db.fast() as reader:
        found = await token_identity(connection, reader)
    connection.scope[IDENTITY] = found
    return found[1]


async def _identity(request: Request) -> tuple[bool, TokenIdentity | None]:
    db: Database = request.app.state.db
    async with db.fast() as reader:
        return await token_identity(request, reader)


async def active_account(session: AsyncSession, account_id: int | None) -> Account | None:
    """The Account of a signed-in user who may still act (approved, not disabled, not
    suspended): a token's or a web session's."""
    if account_id is None:
        return None
    row = (await session.execute(select(Account, User).join(User, User.account_id == Account.id)
                                 .where(Account.id == account_id))).first()
    if row is None or row[1].disabled or not row[1].approved or row[0].suspended_at:
        return None
    account: Account = row[0]
    return account


# FastAPI dependencies: the token is looked up on the raw read path (a few µs in the loop's
# thread on SQLite), not through the ORM session.

def user_required(scope: str) -> Callable[..., Awaitable[Viewer]]:
    """Dependency: `required`."""

    async def dependency(request: Request) -> Viewer:
        _, identity = await _identity(request)
        return required(identity, scope)

    return dependency


def user_optional(scope: str) -> Callable[..., Awaitable[Viewer | None]]:
    """Dependency: `optional`."""

    async def dependency(request: Request) -> Viewer | None:
        return optional(*await _identity(request), scope)

    return dependency


def raw_user_required(scope: str) -> Callable[..., Awaitable[Viewer]]:
    """Dependency: `required`, for a route reading on the raw path (FastReader): the token is
    looked up there."""

    async def dependency(request: Request, reader: FastReader) -> Viewer:
        _, identity = await token_identity(request, reader)
        return required(identity, scope)

    return dependency


def app_required(scope: str | None) -> Callable[..., Awaitable[TokenIdentity]]:
    """Dependency: `app_only`."""

    async def dependency(request: Request) -> TokenIdentity:
        _, identity = await _identity(request)
        return app_only(identity, scope)

    return dependency


def account_required(scope: str) -> Callable[..., Awaitable[AccountViewer]]:
    """Dependency: `required`, with the ORM Account loaded."""

    async def dependency(request: Request, session: DbSession) -> AccountViewer:
        _, identity = await _identity(request)
        viewer = required(identity, scope)
        account = await session.get(Account, viewer.id)
        if account is None:  # the token outlived its account
            raise Unauthorized()
        return AccountViewer(viewer.id, viewer.application_id, viewer.scopes, account)

    return dependency


@dataclass(frozen=True, slots=True)
class StaffViewer(AccountViewer):
    """An AccountViewer whose role holds the permission the route needs."""

    role: Role


def staff_required(scope: str, permission: Permission) -> Callable[..., Awaitable[StaffViewer]]:
    """Dependency: `required` (the admin scope), then the user's role must grant
    `permission` (Mastodon's role permissions): 403 otherwise, as Mastodon answers."""

    async def dependency(request: Request, session: DbSession) -> StaffViewer:
        _, identity = await _identity(request)
        viewer = required(identity, scope)
        row = (await session.execute(select(Account, User.role).join(
            User, User.account_id == Account.id).where(Account.id == viewer.id))).first()
        if row is None:
            raise Unauthorized()
        role = role_of(row[1])
        if not role.may(permission):
            raise Forbidden()
        return StaffViewer(viewer.id, viewer.application_id, viewer.scopes, row[0], role)

    return dependency
