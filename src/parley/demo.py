"""The demo conversation that `parley run --demo` and `parley demo` load."""

from __future__ import annotations

from parley.config import Settings


async def load_demo(settings: Settings) -> str:
    """Create the demo accounts and conversation unless present; returns a summary to print."""
    return f"Demo data is not written yet. Visit {settings.base_url}"
