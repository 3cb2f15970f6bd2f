"""HTML pages: profiles (/@username) and posts (/@username/id)."""

from __future__ import annotations

from fastapi import APIRouter

web_router = APIRouter()
