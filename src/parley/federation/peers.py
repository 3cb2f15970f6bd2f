"""Each peer server's health, the circuit breaker of delivery: after a few failures in a row
deliveries to a server wait (a pause doubling up to an hour) instead of all failing; after a
week of failures the server is marked unreachable and only probed now and then; one success
closes the breaker."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.federation.models import Peer
from parley.lib.timefmt import as_utc, utcnow
from parley.store.dialect import dialect_of

FAILURES_BEFORE_PAUSE = 3
MAX_PAUSE = timedelta(hours=1)
UNREACHABLE_AFTER = timedelta(days=7)
PROBE_EVERY = timedelta(hours=6)


async def peers_of(session: AsyncSession, domains: Collection[str]) -> dict[str, Peer]:
    """The known state of these servers (a server never failed has none)."""
    if not domains:
        return {}
    rows = await session.scalars(select(Peer).where(Peer.domain.in_(list(domains))))
    return {peer.domain: peer for peer in rows}


def paused_until(peer: Peer | None, now: datetime) -> datetime | None:
    """When deliveries to this server may go again, if not now."""
    if peer is None or peer.retry_at is None:
        return None
    retry_at = as_utc(peer.retry_at)
    return retry_at if retry_at > now else None


def _pause(failures: int, unreachable: bool) -> timedelta:
    if unreachable:
        return PROBE_EVERY
    steps = failures - FAILURES_BEFORE_PAUSE
    return min(timedelta(minutes=1) * (2 ** max(steps, 0)), MAX_PAUSE)


async def record_outcomes(session: AsyncSession, *, succeeded: Iterable[str],
                          failed: Iterable[str], known: dict[str, Peer]) -> None:
    """Record a round of deliveries: servers that answered are healthy again, servers that
    did not count one more failure (and may pause or be marked unreachable)."""
    now = utcnow()
    for domain in succeeded:
        peer = known.get(domain)
        if peer is not None and (peer.failures or peer.unreachable_since is not None):
            peer.failures, peer.first_failure_at, peer.retry_at = 0, None, None
            peer.unreachable_since, peer.last_success_at = None, now
    new = [domain for domain in set(failed) if domain not in known]
    if new:
        await session.execute(dialect_of(session).insert_ignoring(Peer, ["domain"]), [
            {"domain": domain, "failures": 0} for domain in new])
        known.update(await peers_of(session, new))
    for domain in set(failed):
        _failed(known[domain], now)
    await session.flush()


def _failed(peer: Peer, now: datetime) -> None:
    peer.failures += 1
    first = peer.first_failure_at = as_utc(peer.first_failure_at or now)
    if peer.unreachable_since is None and now - first >= UNREACHABLE_AFTER:
        peer.unreachable_since = now
    if peer.failures >= FAILURES_BEFORE_PAUSE or peer.unreachable_since is not None:
        peer.retry_at = now + _pause(peer.failures, peer.unreachable_since is not None)
