"""Job kinds as the domains declare them, and the registry a worker runs them from.

Each domain declares its kinds (`JOBS`: name, payload type, handler); the composition root
(parley/domains.py) builds the registry at start. A payload is stored as JSON and read back
into its declared type (a small frozen dataclass) before the handler sees it. Handlers are
idempotent async functions run in one transaction (or Detached: in none).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from parley.config import Settings
from parley.store.database import Database

P = TypeVar("P")


@dataclass
class JobContext:
    """What a handler gets: the job's transaction and the settings."""

    session: AsyncSession
    settings: Settings


@dataclass
class DetachedContext:
    """What a detached handler gets: the database (it opens its own short transactions)."""

    db: Database
    settings: Settings


@dataclass(frozen=True)
class Detached(Generic[P]):
    """A handler whose work waits outside the database (requests to other sites). It runs
    after its claim has committed, in no transaction, so no lock (on SQLite, the one write
    lock) is held while it waits; it completes in a transaction of its own. A worker that
    dies meanwhile leaves the job running until it is stale, then it runs again."""

    run: Callable[[DetachedContext, P], Awaitable[None]]
    # How many due jobs of the kind a worker claims together (one claim, and one completion
    # for those that succeed), running them one after another: for small jobs that come in
    # bursts, whose claim and completion cost as much as their work (received activities).
    batch: int = 1


@dataclass(frozen=True)
class JobKind(Generic[P]):
    """A kind of job: its name in the jobs table, the type its payload is read into (called
    with the stored fields as keywords) and its handler."""

    name: str
    payload: Callable[..., P]
    handler: Callable[[JobContext, P], Awaitable[None]] | Detached[P]

    def read(self, stored: Mapping[str, Any]) -> P:
        return self.payload(**stored)

    async def run(self, ctx: JobContext, stored: Mapping[str, Any]) -> None:
        """Run an in-transaction kind on a payload as stored."""
        if isinstance(self.handler, Detached):
            raise TypeError(f"job kind {self.name!r} is detached")
        await self.handler(ctx, self.read(stored))


StartHook = Callable[[AsyncSession, Settings], Awaitable[None]]


@dataclass
class JobRegistry:
    """Every job kind a worker runs, by name, and what it catches up on when it starts (in
    one write transaction, before the first job)."""

    kinds: dict[str, JobKind[Any]] = field(default_factory=dict)
    on_start: list[StartHook] = field(default_factory=list)


def build_registry(kinds: Iterable[JobKind[Any]], on_start: Iterable[StartHook] = ()
                   ) -> JobRegistry:
    """The registry of the kinds the domains declare; a name declared twice is a bug."""
    registry = JobRegistry(on_start=list(on_start))
    for kind in kinds:
        if kind.name in registry.kinds:
            raise ValueError(f"job kind {kind.name!r} is declared twice")
        registry.kinds[kind.name] = kind
    return registry
