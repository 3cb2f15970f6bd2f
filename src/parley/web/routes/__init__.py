"""HTML routes: the web UI, an adapter over the same domain services the API uses."""

from __future__ import annotations

from fastapi import APIRouter

from parley.web.routes import (
    admin_content,
    auth,
    compose,
    live,
    media,
    moderation,
    moving,
    notifications,
    oauth,
    pages,
    people,
    polls,
    scheduled,
    settings,
    suggest,
    timelines,
    two_factor,
    waiting,
)

web_router = APIRouter()
for module in (auth, oauth, waiting, timelines, compose, polls, scheduled, notifications,
               people, settings, moving, two_factor, live, media, suggest, moderation,
               admin_content, pages):
    web_router.include_router(module.router)
