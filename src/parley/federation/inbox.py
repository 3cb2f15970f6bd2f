"""The inbox's front door: an incoming activity is read (bounded), its signature checked
against its actor's key (fetched again once if the held key fails: the actor may have
rotated it), its key's owner required to be its actor, its server required not to be
suspended, and then queued for a job, once per activity id. The answer comes fast (202) and is
never a 5xx for a bad activity: some peers count any 5xx as delivered."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from parley.config import Settings
from parley.errors import Forbidden, Invalid, ParleyError, Unauthorized
from parley.federation.actors_in import key_for
from parley.federation.client import domain_of
from parley.federation.keys import HeldKey, held_key
from parley.federation.parse import Unreadable, activity
from parley.federation.receive import RECEIVE, Received
from parley.federation.signatures import IncomingRequest, KeyMismatch, SignatureRefused
from parley.federation.verify import parse_signature, verify_signature
from parley.http.hygiene import check_depth
from parley.jobs.queue import enqueue
from parley.lib.fetch import FetchRefused
from parley.lib.timefmt import utcnow
from parley.moderation.blocks import suspended_among
from parley.store.database import Database
from parley.store.rawsql import Sql
from parley.store.rawwrite import writer_of

MAX_DEPTH = 16  # activities embed objects that embed tags and attachments


def incoming(request: Request, body: bytes, settings: Settings) -> IncomingRequest:
    """The request as signature checks see it."""
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return IncomingRequest(method=request.method, path=request.url.path,
                           query=request.url.query, headers=headers, body=body,
                           url=f"{settings.base_url}{request.url.path}")


async def signer_of(db: Database, settings: Settings, request: IncomingRequest) -> HeldKey:
    """The key that signed the request, with its owner (refused: Unauthorized)."""
    try:
        parsed = parse_signature(request)
        # Every delivery asks: on the raw read path (the ORM's reads were most of its CPU).
        async with db.fast() as reader:
            if await suspended_among(reader, [domain_of(parsed.key_id)]):
                raise Forbidden("This server does not take requests from yours")
            key = await held_key(reader, parsed.key_id)
        if key is None:
            key = await _fetched_key(db, settings, parsed.key_id)
        try:
            verify_signature(request, parsed, key.public_key_pem)
        except KeyMismatch:  # the actor may have rotated its key: fetch it again, once
            key = await _fetched_key(db, settings, parsed.key_id, refresh=True)
            verify_signature(request, parsed, key.public_key_pem)
    except SignatureRefused as refused:
        raise Unauthorized(f"Signature refused: {refused}") from refused
    except (FetchRefused, Unreadable) as failed:
        raise Unauthorized(f"The signing key cannot be found: {failed}") from failed
    return key


async def _fetched_key(db: Database, settings: Settings, key_id: str, *, refresh: bool = False
                       ) -> HeldKey:
    owner, pem = await key_for(db, settings, key_id, refresh=refresh)
    return HeldKey(owner.id, owner.uri, pem)


def read_activity(body: bytes) -> dict[str, Any]:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise ParleyError("The body is not JSON") from error  # 400
    if not isinstance(document, dict):
        raise ParleyError("The body is not a JSON object")
    check_depth(document, MAX_DEPTH)
    return document


async def accept_delivery(db: Database, settings: Settings, request: Request) -> None:
    """Check and queue one delivery (see the module's docstring); ParleyError otherwise."""
    body = await request.body()
    document = read_activity(body)
    signer = await signer_of(db, settings, incoming(request, body, settings))
    try:
        parsed = activity(document)
    except Unreadable as unreadable:
        raise Invalid(f"Unreadable activity: {unreadable}") from unreadable
    if parsed.actor != signer.owner_uri:
        raise Unauthorized("The activity's actor did not sign it")
    async with db.write() as session:
        # An activity without an id (a Mastodon pin) cannot be told from a repeat: it is
        # handled each time (what it does is idempotent).
        if parsed.named and await _seen(session, parsed.id):
            return
        await enqueue(session, RECEIVE, Received(body.decode(), signer.owner_id))


_REMEMBER = Sql("""
    INSERT INTO received_activities (activity_id, received_at) VALUES (:activity_id, :now)
    ON CONFLICT (activity_id) DO NOTHING RETURNING activity_id""")


async def _seen(session: AsyncSession, activity_id: str) -> bool:
    """Whether this activity came before (and remember it now if not): a raw write, as the
    job's that follows it in the transaction."""
    stored = await (await writer_of(session)).fetch(
        _REMEMBER, {"activity_id": activity_id, "now": utcnow()})
    return not stored
