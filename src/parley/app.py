"""create_app(settings): builds the ASGI application; its lifespan owns engine and worker."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from parley import domains
from parley.api.errors import install_error_handlers
from parley.api.hot import HotReads
from parley.api.hot_writes import HotWrites
from parley.api.publisher import Publisher
from parley.api.responses import FastJSON
from parley.api.router import api_router
from parley.api.streaming.endpoints import StreamingEndpoints
from parley.api.streaming.endpoints import router as streaming_router
from parley.api.streaming.followers import follower_resolver, homes_resolver
from parley.config import VERSION, Settings
from parley.store.database import Database
from parley.store.migrate import migrate
from parley.streaming.broker import create_broker
from parley.web.routes import web_router

log = logging.getLogger("parley")
STATIC_DIR = Path(__file__).parent / "web" / "static"


class RequestHygiene:
    """Route /api/v1/instance/ like /api/v1/instance (clients such as Mastodon.py add the
    slash), and refuse NUL characters in paths and query strings: no database stores them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            path: str = scope["path"]
            query: bytes = scope.get("query_string", b"")
            if "\x00" in path or b"%00" in query or b"\x00" in query:
                if scope["type"] == "http":
                    response = FastJSON({"error": "NUL characters are not allowed"}, 400)
                    await response(scope, receive, send)
                return
            if len(path) > 1 and path.endswith("/"):
                scope = {**scope, "path": path.rstrip("/") or "/"}
        await self.app(scope, receive, send)


def create_app(settings: Settings, *, run_worker: bool = True, auto_migrate: bool = True
               ) -> FastAPI:
    """The whole web application; `run_worker` embeds the job worker (parley run)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if auto_migrate:
            await asyncio.to_thread(migrate, settings.resolved_database_url)
        domains.install()
        db = Database(settings.resolved_database_url, echo=settings.sql_echo)
        app.state.db = db
        broker = create_broker(settings.redis_url, settings.redis_prefix)
        await broker.start()
        broker.hub.resolve_followers = follower_resolver(db)
        broker.hub.resolve_homes = homes_resolver(db)
        app.state.broker = broker
        publisher = Publisher(db, broker, settings)
        db.after_commit.append(publisher.after_commit)
        publisher.start()
        worker = domains.new_worker(db, settings) if run_worker else None
        app.state.worker = worker
        if worker is not None:
            db.after_commit.append(worker.after_commit)
            worker.start()
        log.info("Parley %s serving %s", VERSION, settings.base_url)
        try:
            yield
        finally:
            if worker is not None:
                await worker.stop()
            await publisher.stop()
            await broker.close()
            await db.dispose()

    app = FastAPI(title="Parley", version=VERSION, lifespan=lifespan, redirect_slashes=False,
                  docs_url="/api/docs", openapi_url="/api/openapi.json")
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(api_router)
    app.include_router(streaming_router)
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(RequestHygiene)
    # Streaming connections bypass the middleware stack, whose frames and closures would
    # otherwise live as long as each of thousands of idle connections (issue 4).
    # The hottest reads (home, context) likewise skip FastAPI's routing and dependencies.
    app.middleware_stack = StreamingEndpoints(HotWrites(
        HotReads(app.build_middleware_stack(), app), app))
    return app
