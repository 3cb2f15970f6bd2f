"""HTML routes: sign-in, the OAuth consent page, and the public profile and post pages."""

from __future__ import annotations

from fastapi import APIRouter

from parley.web.routes import auth, oauth, pages

web_router = APIRouter()
for module in (auth, oauth, pages):
    web_router.include_router(module.router)
