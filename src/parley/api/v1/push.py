"""Mastodon API: /api/v1/push/subscription, the Web Push subscription of the request's
access token (scope `push`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from parley.api.entities.notification_types import parley_type
from parley.api.params import parse
from parley.errors import Unauthorized
from parley.http.auth import Viewer, bearer_token, user_required
from parley.http.deps import AppSettings, DbSession
from parley.http.openapi import body
from parley.http.responses import FastJSON, json_response
from parley.push import service
from parley.push.keys import ServerKey, server_key
from parley.push.models import PushSubscription

router = APIRouter()
PATH = "/api/v1/push/subscription"

# The alerts a subscription answers with, in Mastodon's words (all of them, true or false).
ALERTS = ("mention", "status", "reblog", "follow", "follow_request", "favourite", "poll",
          "update", "quote", "quoted_update", "admin.sign_up", "admin.report")


def subscription_entity(subscription: PushSubscription, key: ServerKey) -> dict[str, Any]:
    alerts = service.alerts_of(subscription)
    return {"id": str(subscription.id), "endpoint": subscription.endpoint,
            "standard": subscription.standard,
            "alerts": {name: parley_type(name) in alerts for name in ALERTS},
            "policy": subscription.policy, "server_key": key.public_padded}


class KeysIn(BaseModel):
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)


class SubscriptionIn(BaseModel):
    endpoint: str = Field(max_length=service.MAX_ENDPOINT)
    keys: KeysIn
    standard: bool = False


class DataIn(BaseModel):
    alerts: dict[str, bool] = Field(default_factory=dict)
    policy: str | None = None


class ChoicesForm(BaseModel):
    data: DataIn = Field(default_factory=DataIn)
    # Mastodon.py sends the policy at the top level; Mastodon's own place is data[policy].
    policy: str | None = None

    def choices(self) -> service.Choices:
        alerts = frozenset(parley_type(name) for name, on in self.data.alerts.items()
                           if on and name in ALERTS)
        return service.Choices(alerts, self.data.policy or self.policy or "all")


class SubscribeForm(ChoicesForm):
    subscription: SubscriptionIn


def _token(request: Request) -> str:
    raw = bearer_token(request)
    if raw is None:
        raise Unauthorized()
    return raw


@router.post(PATH, openapi_extra=body(SubscribeForm))
async def subscribe(request: Request, session: DbSession, settings: AppSettings,
                    viewer: Viewer = Depends(user_required("push"))) -> FastJSON:
    form = await parse(request, SubscribeForm)
    given = form.subscription
    subscription = await service.subscribe(
        session, account_id=viewer.id, raw_token=_token(request),
        new=service.NewSubscription(given.endpoint, given.keys.p256dh, given.keys.auth,
                                    given.standard),
        choices=form.choices(), secret_key=settings.secret_key)
    return json_response(subscription_entity(subscription, await server_key(session)))


@router.get(PATH)
async def show(request: Request, session: DbSession,
               viewer: Viewer = Depends(user_required("push"))) -> FastJSON:
    subscription = await service.current(session, raw_token=_token(request))
    return json_response(subscription_entity(subscription, await server_key(session)))


@router.put(PATH, openapi_extra=body(ChoicesForm))
async def change(request: Request, session: DbSession,
                 viewer: Viewer = Depends(user_required("push"))) -> FastJSON:
    form = await parse(request, ChoicesForm)
    subscription = await service.change(session, raw_token=_token(request),
                                        choices=form.choices())
    return json_response(subscription_entity(subscription, await server_key(session)))


@router.delete(PATH)
async def unsubscribe(request: Request, session: DbSession,
                      viewer: Viewer = Depends(user_required("push"))) -> FastJSON:
    await service.unsubscribe(session, raw_token=_token(request))
    return json_response({})
