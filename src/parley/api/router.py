"""Assembles the Mastodon client API routers."""

from __future__ import annotations

from fastapi import APIRouter

from parley.api import oauth
from parley.api.v1 import (
    accounts,
    apps,
    follow_requests,
    instance,
    notifications,
    statuses,
    timelines,
)

api_router = APIRouter()
for module in (oauth, instance, apps, accounts, follow_requests, statuses, timelines,
               notifications):
    api_router.include_router(module.router)
