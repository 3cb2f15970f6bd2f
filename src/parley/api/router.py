"""Assembles the Mastodon client API routers."""

from __future__ import annotations

from parley.api import hot, nodeinfo, oauth, wellknown
from parley.api.admin import accounts as admin_accounts
from parley.api.admin import blocks as admin_blocks
from parley.api.admin import metrics as admin_metrics
from parley.api.admin import reports as admin_reports
from parley.api.parley import routes as parley_api
from parley.api.v1 import (
    account_social,
    accounts,
    announcements,
    apps,
    async_refreshes,
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
    profile,
    push,
    quotes,
    reports,
    scheduled_statuses,
    status_edits,
    status_extras,
    statuses,
    tags,
    timelines,
)
from parley.api.v2 import filters as filters_v2
from parley.api.v2 import instance as instance_v2
from parley.api.v2 import media as media_v2
from parley.api.v2 import notifications as notifications_v2
from parley.api.v2 import search as search_v2
from parley.http.routing import merged

# The order does not decide which route answers: merged() sorts the routes most specific
# first (parley/http/routing.py), so /accounts/relationships wins over /accounts/{id}.
api_router = merged([
    hot.TABLE.documented(),  # served by the edge; listed here
    timelines.router, oauth.router, instance.router, apps.router, blocks.router,
    follows.router, accounts.router, account_social.router, statuses.router,
    status_extras.router, conversations.router, markers.router, media.router,
    notification_requests.router, notifications.router, tags.router, lists.router,
    featured.router, discovery.router, reports.router, scheduled_statuses.router,
    polls.router, push.router,
    profile.router, announcements.router, instance_v2.router, media_v2.router,
    notifications_v2.router, search_v2.router, filters_v2.router, nodeinfo.router,
    wellknown.router, status_edits.router, quotes.router, async_refreshes.router,
    parley_api.router,
    admin_accounts.router, admin_reports.router, admin_blocks.router, admin_metrics.router,
])
