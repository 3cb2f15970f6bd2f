"""Mastodon API: /api/v1/follow_requests endpoints."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
