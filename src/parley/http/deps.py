"""Request dependencies every adapter shares: the request's transaction, the settings, and
path ids."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from parley.config import Settings
from parley.errors import NotFound
from parley.lib import ids
from parley.store.database import Database
from parley.store.rawsql import Reader

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request owns its transaction: read-only for safe methods, one write otherwise."""
    db: Database = request.app.state.db
    scope = db.read() if request.method in SAFE_METHODS else db.write()
    async with scope as session:
        yield session


async def _settings(request: Request) -> Settings:
    # async: FastAPI runs a plain-def dependency in its thread pool (two thread hand-offs).
    settings: Settings = request.app.state.settings
    return settings


# scope="function": the transaction commits before the response is sent, so a client that
# posts and then reads at once always sees its own write.
DbSession = Annotated[AsyncSession, Depends(_session, scope="function")]
AppSettings = Annotated[Settings, Depends(_settings)]


async def _fast_reader(request: Request) -> AsyncIterator[Reader]:
    """The request's raw reads (store/rawsql), for routes that open no ORM session at all.
    Released before the response is sent, like DbSession."""
    db: Database = request.app.state.db
    async with db.fast() as reader:
        yield reader


FastReader = Annotated[Reader, Depends(_fast_reader, scope="function")]


def path_id(raw: str) -> int:
    """Path ids are strings on the wire; anything not a 64-bit integer simply is not found."""
    value = ids.parse_id(raw)
    if value is None:
        raise NotFound()
    return value
