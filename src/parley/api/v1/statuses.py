"""Mastodon API: /api/v1/statuses endpoints."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
