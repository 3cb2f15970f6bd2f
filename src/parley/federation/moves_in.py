"""Received Moves (account migration, as Mastodon honours them): an actor's Move of itself
to another account counts only when that account, fetched afresh from its server (or a
local one), names the old one among its aliases (alsoKnownAs). Then the old account is
marked moved and its followers here follow the new one (accounts/moves.py, social/moves.py)."""

from __future__ import annotations

import logging

from parley.accounts.models import Account
from parley.accounts.moves import move_account
from parley.errors import Invalid
from parley.federation.actors_in import resolve_actor
from parley.federation.inbound import Inbound

log = logging.getLogger("parley.federation")


async def move(inbound: Inbound) -> None:
    old_uri, new_uri = inbound.activity.object_id, inbound.activity.target
    if old_uri != inbound.actor.uri or new_uri is None or new_uri == old_uri:
        return  # only an actor moves itself
    # Fetched again whatever we hold: its aliases must say so now.
    new = await resolve_actor(inbound.db, inbound.settings, new_uri, refresh=True)
    async with inbound.db.write() as session:
        old = await session.get(Account, inbound.actor.id)
        target = await session.get(Account, new.id)
        if old is None or target is None:
            return
        try:
            await move_account(session, account=old, target=target)
        except Invalid as refused:
            log.info("refused the Move %s: %s", inbound.activity.id, refused)
