"""What a handler of a received activity gets."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from parley.accounts.models import Account
from parley.config import Settings
from parley.federation.parse import ParsedActivity
from parley.store.database import Database


@dataclass(frozen=True)
class Inbound:
    """A received activity, read and as sent, and its (verified) actor."""

    db: Database
    settings: Settings
    activity: ParsedActivity
    document: dict[str, Any]
    actor: Account


Handler = Callable[[Inbound], Awaitable[None]]
