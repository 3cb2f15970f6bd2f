"""What a local account's move sends (as Mastodon does): a Move of itself to the new account,
to the servers where its followers are and to the remote accounts that block it (so that
their servers can carry their blocks over to the new account)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.events import Subscriber
from parley.events.social import AccountMoved
from parley.federation.audience import post_inboxes
from parley.federation.delivery import deliver
from parley.federation.notes_out import document
from parley.federation.outbox import any_remote
from parley.lib.ids import new_id
from parley.social.models import Block


def move(move_id: str, actor_uri: str, target_uri: str) -> dict[str, Any]:
    return document({"id": move_id, "type": "Move", "actor": actor_uri, "object": actor_uri,
                     "target": target_uri})


async def _moved(session: AsyncSession, event: AccountMoved) -> None:
    if not await any_remote(session):
        return
    account = await session.get(Account, event.account_id)
    target = await session.get(Account, event.target_id)
    if account is None or target is None or not account.is_local:
        return
    blockers = list(await session.scalars(select(Block.account_id).where(
        Block.target_account_id == account.id)))
    # As a public post goes: the followers' servers, and the (remote) blockers' inboxes.
    inboxes = await post_inboxes(session, author_id=account.id, visibility="public",
                                 mentioned=blockers)
    await deliver(session, move(f"{account.uri}#moves/{new_id()}", account.uri, target.uri),
                  inboxes, signer_id=account.id)


SUBSCRIBERS = (Subscriber(AccountMoved, _moved),)
