"""Which paths answer cross-origin requests, and how: Mastodon's CORS rule (any origin, never
credentials) for the API, the OAuth token endpoints and the discovery documents."""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

# What browser clients read from responses: paging (Link), rate limits, and the headers
# Mastodon's web clients look at after a write or an asynchronous refresh.
EXPOSED = ("Link", "X-RateLimit-Reset", "X-RateLimit-Limit", "X-RateLimit-Remaining",
           "X-Request-Id", "Idempotency-Key", "Mastodon-Async-Refresh")
MAX_AGE = 7200  # seconds a browser may keep a preflight's answer (Rack::Cors's default)

_API = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_READ = ("GET", "HEAD", "OPTIONS")
_TOKEN = ("POST", "OPTIONS")
_USERINFO = ("GET", "HEAD", "POST", "OPTIONS")


class Cors:
    """The CORS answer for a request: `wrap(path, headers)` is the app to serve it through (a
    Starlette CORSMiddleware around `app`, one per method set), or None where no CORS header
    may be given — the web UI's pages and forms are authenticated by cookie."""

    def __init__(self, app: ASGIApp) -> None:
        def middleware(methods: tuple[str, ...], *, expose: tuple[str, ...] = ()
                       ) -> ASGIApp:
            # allow_headers="*" mirrors the request's Access-Control-Request-Headers, as
            # Mastodon's `headers: :any` does (Authorization, Idempotency-Key, ...).
            return CORSMiddleware(app, allow_origins=["*"], allow_methods=methods,
                                  allow_headers=["*"], allow_credentials=False,
                                  expose_headers=expose, max_age=MAX_AGE)

        self.api = middleware(_API, expose=EXPOSED)
        self.read = middleware(_READ)
        self.token = middleware(_TOKEN)
        self.userinfo = middleware(_USERINFO)

    def wrap(self, path: str, headers: list[tuple[bytes, bytes]]) -> ASGIApp | None:
        """`path` is normalised (see http/hygiene): no trailing slash. A request without an
        Origin header (a native app, a same-origin GET) needs no CORS header and skips the
        middleware, which would cost the hot routes about as much as their token lookup."""
        if not _has_origin(headers):
            return None
        if path.startswith("/api/"):
            return self.api
        if path.startswith(("/.well-known/", "/nodeinfo/")):
            return self.read
        if path == "/oauth/token" or path == "/oauth/revoke":
            return self.token
        if path == "/oauth/userinfo":
            return self.userinfo
        return None


def _has_origin(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(name == b"origin" for name, _value in headers)  # ASGI names are lower-case
