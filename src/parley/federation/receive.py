"""Handling received activities: a detached job per activity (what it needs from other
servers, its author's thread or mentioned people, is fetched outside any transaction), which
hands it to the handler of its type. Types Parley does not handle are dropped quietly, and
so is what a suspended actor sends, but for taking things back (Mastodon's rule)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import orjson

from parley.accounts.models import Account
from parley.federation import (
    actors_gone,
    edits_in,
    featured_in,
    flags_in,
    follows_in,
    interactions_in,
    moves_in,
    notes_in,
    quotes_in,
)
from parley.federation.inbound import Handler, Inbound
from parley.federation.parse import Unreadable, activity
from parley.jobs.registry import Detached, DetachedContext, JobKind
from parley.lib.fetch import FetchRefused

log = logging.getLogger("parley.federation")


@dataclass(frozen=True)
class Received:
    """An activity (JSON text) whose signature checked out, and who signed it."""

    activity: str
    signer_id: int


# Each activity type Parley handles, and its handler.
HANDLERS: dict[str, Handler] = {
    "Follow": follows_in.follow, "Accept": quotes_in.accept, "Reject": quotes_in.reject,
    "Undo": interactions_in.undo, "Create": notes_in.create, "Delete": actors_gone.delete,
    "Update": edits_in.update, "Like": interactions_in.like,
    "Announce": interactions_in.announce, "Block": interactions_in.block,
    "Flag": flags_in.flag, "Add": featured_in.add, "Remove": featured_in.remove,
    "Move": moves_in.move, "QuoteRequest": quotes_in.quote_request,
}
# What a suspended actor (by staff, or deleted) may still send: taking things back.
WHILE_SUSPENDED = frozenset({"Delete", "Undo"})


async def _receive(ctx: DetachedContext, job: Received) -> None:
    document = orjson.loads(job.activity)
    try:
        parsed = activity(document)
    except Unreadable:
        return
    handler = HANDLERS.get(parsed.type)
    if handler is None:
        log.debug("no handler for %s activities", parsed.type)
        return
    async with ctx.db.lookup() as session:
        actor = await session.get(Account, job.signer_id)
    if actor is None or (actor.suspended_at is not None and parsed.type not in WHILE_SUSPENDED):
        return  # a suspended account's activities are dropped, but for its Delete and Undo
    try:
        await handler(Inbound(ctx.db, ctx.settings, parsed, document, actor))
    except (Unreadable, FetchRefused) as failed:
        # The activity cannot be made sense of: dropped (it was acknowledged long ago).
        log.info("dropped %s %s: %s", parsed.type, parsed.id, failed)


# Received activities come in bursts (a thread's replies, a busy peer's queue): claimed and
# completed a batch at a time, their claim and completion cost as much as a reply's storing.
RECEIVE_BATCH = 32
RECEIVE = JobKind("federation.receive", Received, Detached(_receive, batch=RECEIVE_BATCH))
JOBS = (RECEIVE,)
