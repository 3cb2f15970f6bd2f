"""Sending one push message (a detached job: it waits on the push service, in no
transaction): encrypted for the subscription, signed with the server's VAPID key, posted
through the address check (the endpoint is user-supplied), with a bounded wait. A 404 or 410
removes the subscription; a busy or failing push service (429, 5xx, no answer) is retried by
the job queue with backoff, a bounded number of times.

The message's words are the client protocol's (Mastodon's): the adapter that says them is
installed by the composition root (`install_renderer`), as push sits below api/."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from parley.config import Settings
from parley.jobs.registry import Detached, DetachedContext, JobKind
from parley.lib.fetch import AddressRefused, FetchRefused, post_bytes
from parley.push import service
from parley.push.crypto import encrypt, unseal_token
from parley.push.facts import PushFacts, delivery
from parley.push.keys import server_key

log = logging.getLogger("parley.push")

# A push service answers at once or not at all: a send waits this long (seconds).
SEND_TIMEOUT_S = 10.0
GONE = (404, 410)

Renderer = Callable[[PushFacts, str, Settings], dict[str, Any]]
_renderer: list[Renderer] = []


def install_renderer(render: Renderer) -> None:
    """What push messages say (facts, access token, settings -> the JSON clients decode)."""
    _renderer[:] = [render]


class PushServiceFailed(Exception):
    """The push service did not take the message now; the job is retried."""


@dataclass(frozen=True)
class PushJob:
    """Push notification `notification_id` to subscription `subscription_id`."""

    subscription_id: int
    notification_id: int


def _subject(settings: Settings) -> str:
    """Who push services may contact about our messages (RFC 8292 `sub`)."""
    return f"mailto:{settings.contact_email}" if settings.contact_email else settings.base_url


async def send_push(ctx: DetachedContext, job: PushJob) -> None:
    settings = ctx.settings
    async with ctx.db.read() as session:
        found = await delivery(session, job.subscription_id, job.notification_id)
        key = await server_key(session) if found is not None else None
    if found is None or key is None or not _renderer:
        return
    token = unseal_token(settings.secret_key, found.facts.sealed_token)
    if token is None:  # sealed under a secret since changed: the client must subscribe again
        return
    message = orjson.dumps(_renderer[0](found.facts, token, settings))
    body, headers = encrypt(message, found.to, key, _subject(settings))
    try:
        status = await post_bytes(found.to.endpoint, body, headers,
                                  allow_private=settings.fetch_private_addresses,
                                  wait_s=SEND_TIMEOUT_S)
    except AddressRefused as error:
        log.info("push to subscription %s not sent: %s", job.subscription_id, error)
        return
    except FetchRefused as error:
        raise PushServiceFailed(str(error)) from error
    if status in GONE:
        async with ctx.db.write() as session:
            await service.remove(session, job.subscription_id)
    elif status == 429 or status >= 500:
        raise PushServiceFailed(f"push service answered {status}")
    elif status >= 300:
        log.info("push to subscription %s refused: %s", job.subscription_id, status)


PUSH = JobKind("web_push", PushJob, Detached(send_push))
JOBS = (PUSH,)
