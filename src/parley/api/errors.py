"""Mastodon's error format: {"error": "..."} JSON, the API's renderer for http/errors'
mapping of exceptions to statuses."""

from __future__ import annotations

from fastapi import FastAPI

from parley.http import errors
from parley.http.responses import FastJSON


def error_response(status: int, message: str) -> FastJSON:
    headers = {"WWW-Authenticate": 'Bearer realm="Parley"'} if status == 401 else None
    return FastJSON({"error": message}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Every error leaves as JSON with the right status; 5xx are logged, never detailed."""
    errors.install_error_handlers(app, error_response)
