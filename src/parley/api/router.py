"""Assembles the Mastodon client API routers."""

from __future__ import annotations

from fastapi import APIRouter

from parley.api import nodeinfo, oauth
from parley.api.v1 import (
    accounts,
    apps,
    follows,
    instance,
    notifications,
    statuses,
    timelines,
)
from parley.api.v2 import instance as instance_v2

api_router = APIRouter()
# Literal paths (/accounts/relationships) must come before /accounts/{id}.
for module in (oauth, instance, apps, follows, accounts, statuses, timelines,
               notifications):
    api_router.include_router(module.router)
api_router.include_router(instance_v2.router)
api_router.include_router(nodeinfo.router)
