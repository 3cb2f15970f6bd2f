"""Settings: moving the account elsewhere (Mastodon's account migration). Its aliases, the
accounts being moved from (its actor lists them as alsoKnownAs: a move to it asks for
that), and the move itself to an account that names this one. An account is first looked
up on its server by a GET (no write transaction is held while the other server answers),
then the change is confirmed with a form (a POST)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from sqlalchemy import select
from starlette.responses import Response

from parley.accounts import moves
from parley.accounts.models import Account
from parley.accounts.remote import account_by_uri
from parley.accounts.service import find_by_acct
from parley.errors import Invalid
from parley.http.deps import DbSession
from parley.http.remote import remote_lookup
from parley.lib.ids import parse_id
from parley.store.database import Database
from parley.web.forms import form_fields
from parley.web.render import Page, PageContext
from parley.web.routing import WebRoute

router = APIRouter(route_class=WebRoute)
MAX_HANDLE = 320
HANDLE = re.compile(r"^[^\s@/]+(@[^\s@/]+)?$")  # user, or user@server


async def _named(page: Page, handle: str, *, fresh: bool) -> Account | None:
    """The account a handle names: a local one, or one looked up on its server (`fresh`:
    fetched again whatever is held, for its aliases as they are now)."""
    handle = handle.strip().lstrip("@")
    if len(handle) > MAX_HANDLE or not HANDLE.match(handle):
        return None
    db: Database = page.request.app.state.db
    async with db.read() as session:
        found = await find_by_acct(session, page.settings, handle)
    if found is not None and (found.is_local or not fresh):
        return found
    uri = await remote_lookup(page.request)(handle, fresh=fresh)
    if uri is None:
        return None
    async with db.read() as session:  # a new read: it sees what the lookup stored
        return await account_by_uri(session, uri)


async def _render(page: Page, db: DbSession, account: Account, *, status: int = 200,
                  error: str | None = None, alias: Account | None = None,
                  target: Account | None = None) -> Response:
    uris = list(account.also_known_as or [])
    known = {found.uri: found for found in await db.scalars(
        select(Account).where(Account.uri.in_(uris)))} if uris else {}
    moved_to = (await db.get(Account, account.moved_to_account_id)
                if account.moved_to_account_id is not None else None)
    return page.render("settings_moving.html", status=status, error=error,
                       aliases=[(uri, known.get(uri)) for uri in uris], alias=alias,
                       target=target, moved_to=moved_to,
                       done=page.request.query_params.get("done", ""))


@router.get("/settings/moving")
async def moving(page: PageContext, db: DbSession) -> Response:
    """The page; with `alias` or `target` (a handle), that account looked up, and a form to
    confirm adding it as an alias, or moving to it."""
    account = page.require_account()
    wanted_alias = page.request.query_params.get("alias", "")
    wanted_target = page.request.query_params.get("target", "")
    alias = await _named(page, wanted_alias, fresh=False) if wanted_alias else None
    target = await _named(page, wanted_target, fresh=True) if wanted_target else None
    error = None
    if (wanted_alias and alias is None) or (wanted_target and target is None):
        error = "No account was found by that name."
    elif target is not None:
        try:
            moves.check_move(account, target)
        except Invalid as refused:
            error, target = _said(refused), None
    return await _render(page, db, account, error=error, alias=alias, target=target)


def _said(refused: Invalid) -> str:
    return refused.message.removeprefix("Validation failed: ").capitalize()


async def _account_in(db: DbSession, fields: dict[str, str]) -> Account | None:
    account_id = parse_id(fields.get("account_id", ""))
    return await db.get(Account, account_id) if account_id is not None else None


async def _with_account(page: PageContext, db: DbSession,
                        change: Callable[[Account, Account, dict[str, str]], Awaitable[None]],
                        done: str) -> Response:
    """A change naming another account (an alias to add, the account to move to): made in a
    savepoint, so that a refusal shows the page again with its reason."""
    account = await db.merge(page.require_account())
    fields = await form_fields(page.request)
    page.require_csrf(fields)
    other = await _account_in(db, fields)
    if other is None:
        return await _render(page, db, account, status=422, error="No such account.")
    try:
        async with db.begin_nested():
            await change(account, other, fields)
    except Invalid as refused:
        await db.refresh(account)  # the savepoint's rollback expired it
        return await _render(page, db, account, status=422, error=_said(refused))
    return page.redirect(f"/settings/moving?done={done}")


@router.post("/settings/aliases")
async def add_alias(page: PageContext, db: DbSession) -> Response:
    async def add(account: Account, alias: Account, _fields: dict[str, str]) -> None:
        await moves.add_alias(db, account=account, alias=alias)
    return await _with_account(page, db, add, "alias")


@router.post("/settings/aliases/remove")
async def remove_alias(page: PageContext, db: DbSession) -> Response:
    account = await db.merge(page.require_account())
    fields = await form_fields(page.request)
    page.require_csrf(fields)
    await moves.remove_alias(db, account=account, uri=fields.get("uri", ""))
    return page.redirect("/settings/moving")


@router.post("/settings/moving")
async def move(page: PageContext, db: DbSession) -> Response:
    async def move_to(account: Account, target: Account, fields: dict[str, str]) -> None:
        await moves.move_local_account(db, account=account, target=target,
                                       password=fields.get("password", ""))
    return await _with_account(page, db, move_to, "moved")
