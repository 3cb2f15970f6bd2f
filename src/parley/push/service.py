"""Push subscriptions: one per access token (a new one replaces the token's old one, as in
Mastodon), read, changed and removed by the token that made it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import Invalid, NotFound
from parley.lib.ids import new_id
from parley.oauth.models import AccessToken
from parley.oauth.tokens import digest
from parley.push import b64
from parley.push.crypto import seal_token, valid_keys
from parley.push.models import PushSubscription

POLICIES = ("all", "followed", "follower", "none")
MAX_ENDPOINT = 2048


@dataclass(frozen=True)
class Choices:
    """What a subscription pushes: these notification types (Parley's words), from whom."""

    alerts: frozenset[str]
    policy: str = "all"

    def __post_init__(self) -> None:
        if self.policy not in POLICIES:
            raise Invalid(f"Validation failed: Policy must be one of {', '.join(POLICIES)}")


@dataclass(frozen=True)
class NewSubscription:
    """A client's subscription as given: the push service's endpoint and its keys."""

    endpoint: str
    p256dh: str
    auth: str
    standard: bool = False


def alerts_of(subscription: PushSubscription) -> frozenset[str]:
    return frozenset(subscription.alerts.split())


def _stored_alerts(alerts: Iterable[str]) -> str:
    return " ".join(sorted(set(alerts)))


def _check(new: NewSubscription) -> None:
    parts = urlsplit(new.endpoint)
    if (parts.scheme not in ("http", "https") or not parts.hostname
            or len(new.endpoint) > MAX_ENDPOINT):
        raise Invalid("Validation failed: Endpoint is not a valid URL")
    if not valid_keys(new.p256dh, new.auth):
        raise Invalid("Validation failed: Key p256dh or auth is invalid")


async def _token_id(session: AsyncSession, raw_token: str) -> int:
    found = await session.scalar(select(AccessToken.id).where(
        AccessToken.token_hash == digest(raw_token)))
    if found is None:  # the caller authenticated with it: revoked meanwhile
        raise NotFound()
    return int(found)


async def current(session: AsyncSession, *, raw_token: str) -> PushSubscription:
    """The subscription of the token the request came with; NotFound if it has none."""
    token_id = await _token_id(session, raw_token)
    found = await session.scalar(select(PushSubscription).where(
        PushSubscription.access_token_id == token_id))
    if found is None:
        raise NotFound()
    return found


async def subscribe(session: AsyncSession, *, account_id: int, raw_token: str,
                    new: NewSubscription, choices: Choices, secret_key: str
                    ) -> PushSubscription:
    """Subscribe the token (replacing its former subscription)."""
    _check(new)
    token_id = await _token_id(session, raw_token)
    await session.execute(delete(PushSubscription).where(
        PushSubscription.access_token_id == token_id))
    subscription = PushSubscription(
        id=new_id(), account_id=account_id, access_token_id=token_id,
        endpoint=new.endpoint, p256dh=b64.encode(b64.decode(new.p256dh)),
        auth=b64.encode(b64.decode(new.auth)), standard=new.standard,
        alerts=_stored_alerts(choices.alerts), policy=choices.policy,
        sealed_token=seal_token(secret_key, raw_token))
    session.add(subscription)
    await session.flush()
    return subscription


async def change(session: AsyncSession, *, raw_token: str, choices: Choices
                 ) -> PushSubscription:
    """New alerts and policy for the token's subscription (they replace the old ones)."""
    subscription = await current(session, raw_token=raw_token)
    subscription.alerts = _stored_alerts(choices.alerts)
    subscription.policy = choices.policy
    await session.flush()
    return subscription


async def unsubscribe(session: AsyncSession, *, raw_token: str) -> None:
    """Remove the token's subscription (none: nothing to do, as Mastodon answers {})."""
    token_id = await _token_id(session, raw_token)
    await session.execute(delete(PushSubscription).where(
        PushSubscription.access_token_id == token_id))


async def remove(session: AsyncSession, subscription_id: int) -> None:
    """The push service said the subscription is gone (404/410): forget it."""
    await session.execute(delete(PushSubscription).where(
        PushSubscription.id == subscription_id))
