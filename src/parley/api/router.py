"""Assembles the Mastodon client API routers."""

from __future__ import annotations

from fastapi import APIRouter

from parley.api import hot, nodeinfo, oauth, wellknown
from parley.api.admin import accounts as admin_accounts
from parley.api.admin import blocks as admin_blocks
from parley.api.admin import metrics as admin_metrics
from parley.api.admin import reports as admin_reports
from parley.api.parley import routes as parley_api
from parley.api.v1 import (
    accounts,
    apps,
    blocks,
    conversations,
    discovery,
    featured,
    follows,
    instance,
    lists,
    markers,
    media,
    notification_requests,
    notifications,
    polls,
    push,
    quotes,
    reports,
    scheduled_statuses,
    status_edits,
    statuses,
    tags,
    timelines,
)
from parley.api.v2 import filters as filters_v2
from parley.api.v2 import instance as instance_v2
from parley.api.v2 import media as media_v2
from parley.api.v2 import notifications as notifications_v2
from parley.api.v2 import search as search_v2

api_router = APIRouter()
api_router.include_router(hot.TABLE.documented())  # served by the edge; listed here
# Literal paths (/accounts/relationships) must come before /accounts/{id}. Timelines come
# first: routes are matched in order, and home is the most requested page.
for module in (timelines, oauth, instance, apps, blocks, follows, accounts, statuses,
               conversations, markers, media, notification_requests, notifications, tags, lists,
               featured, discovery, reports, scheduled_statuses, polls, push):
    api_router.include_router(module.router)
api_router.include_router(instance_v2.router)
api_router.include_router(media_v2.router)
api_router.include_router(notifications_v2.router)
api_router.include_router(search_v2.router)
api_router.include_router(filters_v2.router)
api_router.include_router(nodeinfo.router)
api_router.include_router(wellknown.router)
api_router.include_router(status_edits.router)
api_router.include_router(quotes.router)
api_router.include_router(parley_api.router)
api_router.include_router(admin_accounts.router)
api_router.include_router(admin_reports.router)
api_router.include_router(admin_blocks.router)
api_router.include_router(admin_metrics.router)
