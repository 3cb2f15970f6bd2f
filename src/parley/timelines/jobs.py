"""Timeline jobs: home fan-out of a new post, merging and unmerging on follow changes."""

from __future__ import annotations

from parley.jobs.registry import Handler

HANDLERS: dict[str, Handler] = {}
