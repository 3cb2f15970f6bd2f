"""WebRoute: HTML routes whose domain errors become error pages, never JSON."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.responses import Response

from parley.errors import NotFound, ParleyError, RateLimited, Unauthorized
from parley.http.errors import log_failure, with_retry_after
from parley.store.faults import store_failure
from parley.web.render import Page, html_response

TITLES = {401: "Sign in needed", 403: "Not allowed", 409: "Conflict", 422: "Check your input",
          429: "Slow down", 503: "Back in a moment", 507: "Out of space"}
# A spent action budget (http/ratelimit.py), in words for people rather than Mastodon's.
SLOW_DOWN = "You have done this very often lately. Try again in a while."


def error_page(request: Request, exc: ParleyError) -> Response:
    page: Page | None = getattr(request.state, "page", None)
    if isinstance(exc, Unauthorized) and page is not None and not page.signed_in:
        back = page.here if request.method == "GET" else "/"
        return page.redirect(f"/auth/sign_in?{urlencode({'next': back})}")
    if page is None:  # failed before the page was known: a bare page, still HTML
        return html_response(f"<!doctype html><title>Error</title><p>{exc.status_code}</p>",
                             status=exc.status_code)
    if isinstance(exc, NotFound):
        return page.not_found()
    plain = isinstance(exc, RateLimited) and exc.message == RateLimited.default_message
    return page.error(exc.status_code, TITLES.get(exc.status_code, "Something went wrong"),
                      SLOW_DOWN if plain else exc.message)


class WebRoute(APIRoute):
    """Like APIRoute, but a ParleyError raised by a page (after its transaction rolled back)
    is shown as an HTML page with the same status."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except ParleyError as exc:
                return with_retry_after(error_page(request, exc))
            except Exception as exc:  # the database out of reach or out of space: a page
                store = store_failure(exc)
                if store is None:
                    raise
                log_failure(exc, request.method, request.url.path)
                return with_retry_after(error_page(request, store))

        return handle
