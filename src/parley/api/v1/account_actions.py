"""The shared steps of routes that act on another account and answer with the relationship."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.accounts.service import get_account
from parley.api.entities.accounts import render_relationship
from parley.http.auth import AccountViewer, Viewer
from parley.http.deps import path_id
from parley.http.responses import FastJSON, json_response


class AccountAction(Protocol):
    """A social verb of the viewer on another account: block, unblock, follow (its options
    bound with functools.partial), ..."""

    def __call__(self, session: AsyncSession, *, actor: Account, target: Account
                 ) -> Awaitable[object]: ...


async def relationship_response(session: AsyncSession, viewer: Viewer, account_id: int
                                ) -> FastJSON:
    """The viewer's Relationship with the account, as the answer to acting on it."""
    return json_response(await render_relationship(session, viewer.id, account_id))


async def act_on_account(session: AsyncSession, viewer: AccountViewer, account_id: str,
                         action: AccountAction) -> FastJSON:
    """The viewer does `action` to the account with this path id (404 if there is none) and
    gets the relationship that results."""
    target = await get_account(session, path_id(account_id))
    await action(session, actor=viewer.account, target=target)
    return await relationship_response(session, viewer, target.id)
