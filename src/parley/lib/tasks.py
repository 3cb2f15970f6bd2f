"""Background asyncio tasks: stopping one and waiting until it has stopped."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from typing import Any


async def cancel_and_wait(task: asyncio.Task[Any] | None) -> None:
    """Cancel `task` (None: nothing to stop) and wait until it has finished unwinding."""
    if task is None:
        return
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task
