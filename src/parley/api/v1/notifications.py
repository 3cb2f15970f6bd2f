"""Mastodon API: /api/v1/notifications endpoints."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
