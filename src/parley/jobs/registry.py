"""Maps job kinds to handlers; handlers are idempotent async functions run in one transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from parley.config import Settings
from parley.store.database import Database


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
class Detached:
    """A handler whose work waits outside the database (requests to other sites). It runs
    after its claim has committed, in no transaction, so no lock (on SQLite, the one write
    lock) is held while it waits; it completes in a transaction of its own. A worker that
    dies meanwhile leaves the job running until it is stale, then it runs again."""

    run: Callable[[DetachedContext, dict[str, Any]], Awaitable[None]]


Handler = Callable[[JobContext, dict[str, Any]], Awaitable[None]] | Detached


def build_registry() -> dict[str, Handler]:
    """Every job kind Parley knows; imported here so domains stay free of a global registry."""
    from parley.accounts import links as link_jobs
    from parley.lists import fanout as list_jobs
    from parley.posts import scheduled as scheduled_jobs
    from parley.tags import jobs as tag_jobs
    from parley.timelines import jobs as timeline_jobs

    return {**timeline_jobs.HANDLERS, **list_jobs.HANDLERS, **tag_jobs.HANDLERS,
            **scheduled_jobs.HANDLERS, **link_jobs.HANDLERS}
