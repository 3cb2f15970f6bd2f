"""Delivering activities to other servers' inboxes: detached jobs (no transaction held while
waiting on the network), each sending one activity to a batch of inboxes side by side over
pooled connections, every request signed as the activity's actor. Servers whose breaker is
open (federation/peers.py) wait; inboxes that failed are tried again later, backing off over
about three days; a 410 Gone marks the actor gone; other refusals (4xx) are final."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

import orjson
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.config import Settings
from parley.federation.client import check_scheme, domain_of, peer_poster
from parley.federation.keys import (
    SigningKey,
    instance_actor_uri,
    key_id_of,
    local_key,
    signing_key,
)
from parley.federation.models import ActorKey, RemoteActor
from parley.federation.peers import paused_until, peers_of, record_outcomes
from parley.federation.signatures import digest_header, sign_request
from parley.federation.vocab import ACTIVITY_JSON
from parley.jobs.queue import PRIORITY_BULK, PRIORITY_INTERACTIVE, enqueue
from parley.jobs.registry import Detached, DetachedContext, JobKind
from parley.lib.fetch import AddressRefused, FetchRefused
from parley.lib.timefmt import utcnow
from parley.store.database import Database

log = logging.getLogger("parley.federation")

BATCH = 200  # inboxes per job
CONCURRENCY = 32  # requests in flight per job
# Waits before each retry of a failed inbox: about three days in all.
RETRY_DELAYS = tuple(timedelta(seconds=s) for s in (
    60, 300, 1800, 7200, 21600, 43200, 86400, 86400))


@dataclass(frozen=True)
class Delivery:
    """One activity (JSON text, sent as it is) for a batch of inboxes, signed by a local
    account (`signer_id`) or the instance actor (None); `attempt` counts earlier tries."""

    activity: str
    inboxes: list[str]
    signer_id: int | None = None
    attempt: int = 0


class Outcome(Enum):
    DONE = "done"
    RETRY = "retry"  # no answer, 5xx, 408, 429: try again later
    GONE = "gone"  # 410: the actor is gone
    REFUSED = "refused"  # other 4xx, or an address we may not reach: final


async def deliver(session: AsyncSession, activity: dict[str, Any], inboxes: Iterable[str],
                  *, signer_id: int | None, run_at: datetime | None = None,
                  attempt: int = 0) -> int:
    """Queue `activity` for each inbox (once each), in the caller's transaction; returns
    how many inboxes."""
    unique = sorted(set(inboxes))
    if not unique:
        return 0
    text = orjson.dumps(activity).decode()
    priority = PRIORITY_INTERACTIVE if len(unique) <= BATCH else PRIORITY_BULK
    for start in range(0, len(unique), BATCH):
        await enqueue(session, DELIVER, Delivery(text, unique[start:start + BATCH],
                                                 signer_id, attempt),
                      priority=priority, run_at=run_at)
    return len(unique)


_keys: dict[tuple[str, int | None], SigningKey] = {}


async def _signer(db: Database, settings: Settings, signer_id: int | None) -> SigningKey:
    """The signing key of a local account (made on first need) or of the instance actor."""
    cached = _keys.get((settings.base_url, signer_id))
    if cached is not None:
        return cached
    async with db.write() as session:
        if signer_id is None:
            key_id, owner = key_id_of(instance_actor_uri(settings)), None
        else:
            account = await session.get(Account, signer_id)
            if account is None:
                raise LookupError(f"no account {signer_id} to sign as")
            key_id, owner = key_id_of(account.uri), signer_id
        key: ActorKey = await local_key(session, settings, key_id=key_id, account_id=owner)
    found = _keys[(settings.base_url, signer_id)] = signing_key(settings, key)
    return found


async def send(settings: Settings, key: SigningKey, body: bytes, inbox: str, *,
               digest: str | None = None) -> Outcome:
    """POST a signed activity to one inbox; what came of it (`digest`: the body's, when
    it goes to many)."""
    try:
        check_scheme(inbox, settings)
        headers = sign_request("POST", inbox, key_id=key.key_id,
                               private_key_pem=key.private_key_pem, body=body,
                               content_type=ACTIVITY_JSON, digest=digest)
        status = await peer_poster(settings).post(inbox, body, headers)
    except AddressRefused:
        return Outcome.REFUSED
    except (FetchRefused, OSError):
        return Outcome.RETRY
    if 200 <= status < 300:
        return Outcome.DONE
    if status == 410:
        return Outcome.GONE
    if status in (408, 429) or status >= 500:
        return Outcome.RETRY
    return Outcome.REFUSED


@dataclass
class _Round:
    """What a job's round of sending came to, inbox by inbox."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)
    paused: dict[str, datetime] = field(default_factory=dict)  # inbox -> when it may go


async def _send_all(settings: Settings, key: SigningKey, body: bytes,
                    inboxes: Sequence[str]) -> dict[str, Outcome]:
    gate, digest = asyncio.Semaphore(CONCURRENCY), digest_header(body)

    async def one(inbox: str) -> tuple[str, Outcome]:
        async with gate:
            return inbox, await send(settings, key, body, inbox, digest=digest)

    return dict(await asyncio.gather(*(one(inbox) for inbox in inboxes)))


async def _run(ctx: DetachedContext, job: Delivery) -> None:
    domains = {domain_of(inbox) for inbox in job.inboxes}
    async with ctx.db.lookup() as session:
        known = await peers_of(session, domains)
    now, result = utcnow(), _Round()
    due = []
    for inbox in job.inboxes:
        until = paused_until(known.get(domain_of(inbox)), now)
        if until is None:
            due.append(inbox)
        else:
            result.paused[inbox] = until
    if due:
        key = await _signer(ctx.db, ctx.settings, job.signer_id)
        result.outcomes = await _send_all(ctx.settings, key, job.activity.encode(), due)
    async with ctx.db.write() as session:
        await _settle(session, job, result)


async def _settle(session: AsyncSession, job: Delivery, result: _Round) -> None:
    """Record the round: servers' health, gone actors, and later tries of what did not
    arrive (paused servers' inboxes at their time, without counting an attempt)."""
    outcomes = result.outcomes
    answered = {domain_of(i) for i, o in outcomes.items() if o is not Outcome.RETRY}
    failed = {domain_of(i) for i, o in outcomes.items() if o is Outcome.RETRY} - answered
    known = await peers_of(session, answered | failed)
    await record_outcomes(session, succeeded=answered, failed=failed, known=known)
    gone = [inbox for inbox, outcome in outcomes.items() if outcome is Outcome.GONE]
    if gone:
        await session.execute(update(RemoteActor).where(RemoteActor.inbox_url.in_(gone))
                              .values(gone_at=utcnow()))
    retry = [inbox for inbox, outcome in outcomes.items() if outcome is Outcome.RETRY]
    if retry and job.attempt < len(RETRY_DELAYS):
        await deliver(session, orjson.loads(job.activity), retry, signer_id=job.signer_id,
                      run_at=utcnow() + RETRY_DELAYS[job.attempt], attempt=job.attempt + 1)
    elif retry:
        log.info("gave up delivering %s to %d inboxes", job.activity[:80], len(retry))
    by_time: dict[datetime, list[str]] = {}
    for inbox, until in result.paused.items():
        by_time.setdefault(until, []).append(inbox)
    for until, inboxes in by_time.items():
        await deliver(session, orjson.loads(job.activity), inboxes, signer_id=job.signer_id,
                      run_at=until, attempt=job.attempt)


DELIVER = JobKind("federation.deliver", Delivery, Detached(_run))
JOBS = (DELIVER,)
