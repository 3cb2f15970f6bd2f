"""Maps job kinds to handlers; handlers are idempotent async functions run in one transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from parley.config import Settings


@dataclass
class JobContext:
    """What a handler gets: the job's transaction and the settings."""

    session: AsyncSession
    settings: Settings


Handler = Callable[[JobContext, dict[str, Any]], Awaitable[None]]


def build_registry() -> dict[str, Handler]:
    """Every job kind Parley knows; imported here so domains stay free of a global registry."""
    from parley.lists import fanout as list_jobs
    from parley.posts import scheduled as scheduled_jobs
    from parley.tags import jobs as tag_jobs
    from parley.timelines import jobs as timeline_jobs

    return {**timeline_jobs.HANDLERS, **list_jobs.HANDLERS, **tag_jobs.HANDLERS,
            **scheduled_jobs.HANDLERS}
