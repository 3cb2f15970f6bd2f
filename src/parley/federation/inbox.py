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

from parley.accounts.models import Account
from parley.config import Settings
from parley.errors import Forbidden, Invalid, ParleyError, Unauthorized
from parley.federation.actors_in import key_for
from parley.federation.client import domain_of
from parley.federation.models import ReceivedActivity
from parley.federation.parse import Unreadable, activity
from parley.federation.receive import RECEIVE, Received
from parley.federation.signatures import IncomingRequest, KeyMismatch, SignatureRefused
from parley.federation.verify import parse_signature, verify_signature
from parley.http.hygiene import check_depth
from parley.jobs.queue import enqueue
from parley.lib.fetch import FetchRefused
from parley.moderation.blocks import suspended_domains
from parley.store.database import Database
from parley.store.dialect import dialect_of

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


async def signer_of(db: Database, settings: Settings, request: IncomingRequest) -> Account:
    """The account whose key signed the request (refused: Unauthorized)."""
    try:
        parsed = parse_signature(request)
        if await _suspended(db, domain_of(parsed.key_id)):
            raise Forbidden("This server does not take requests from yours")
        owner, pem = await key_for(db, settings, parsed.key_id)
        try:
            verify_signature(request, parsed, pem)
        except KeyMismatch:  # the actor may have rotated its key: fetch it again, once
            owner, pem = await key_for(db, settings, parsed.key_id, refresh=True)
            verify_signature(request, parsed, pem)
    except SignatureRefused as refused:
        raise Unauthorized(f"Signature refused: {refused}") from refused
    except (FetchRefused, Unreadable) as failed:
        raise Unauthorized(f"The signing key cannot be found: {failed}") from failed
    return owner


async def _suspended(db: Database, domain: str) -> bool:
    async with db.read() as session:
        return bool(await suspended_domains(session, [domain]))


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
    if parsed.actor != signer.uri:
        raise Unauthorized("The activity's actor did not sign it")
    async with db.write() as session:
        # An activity without an id (a Mastodon pin) cannot be told from a repeat: it is
        # handled each time (what it does is idempotent).
        if parsed.named and await _seen(session, parsed.id):
            return
        await enqueue(session, RECEIVE, Received(body.decode(), signer.id))


async def _seen(session: AsyncSession, activity_id: str) -> bool:
    """Whether this activity came before (and remember it now if not)."""
    stored = await session.scalar(dialect_of(session).insert_ignoring(
        ReceivedActivity, ["activity_id"], returning=[ReceivedActivity.activity_id]),
        {"activity_id": activity_id})
    return stored is None
