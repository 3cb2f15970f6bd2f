"""Mastodon API: /api/v1/timelines endpoints."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
