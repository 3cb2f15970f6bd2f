"""create_app(settings): builds the ASGI application; its lifespan owns engine and worker."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from parley import domains
from parley.api.errors import install_error_handlers
from parley.api.hot import TABLE as API_TABLE
from parley.api.publisher import Publisher
from parley.api.router import api_router
from parley.api.streaming.endpoints import PREFIX as STREAMING_PREFIX
from parley.api.streaming.endpoints import router as streaming_router
from parley.api.streaming.endpoints import streaming_endpoint
from parley.api.streaming.followers import follower_resolver, homes_resolver
from parley.api.streaming.heartbeats import heartbeats_of
from parley.config import VERSION, Settings
from parley.federation.client import close_clients
from parley.federation.collections_out import router as collections_router
from parley.federation.hot import TABLE as FEDERATION_TABLE
from parley.federation.lookup import remote_lookup
from parley.federation.refresher import thread_refresher
from parley.federation.routes import router as federation_router
from parley.federation.threads_out import router as threads_router
from parley.http.edge import Edge
from parley.http.ratelimit import limiter_for
from parley.store.database import Database
from parley.store.migrate import migrate
from parley.streaming.broker import create_broker
from parley.web.routes import web_router

log = logging.getLogger("parley")
STATIC_DIR = Path(__file__).parent / "web" / "static"


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
        app.state.remote_lookup = remote_lookup(db, settings)
        app.state.thread_refresher = thread_refresher(db, settings)
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
            await close_clients()
            await db.dispose()

    app = FastAPI(title="Parley", version=VERSION, lifespan=lifespan, redirect_slashes=False,
                  docs_url="/api/docs", openapi_url="/openapi.json")
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(api_router)
    app.include_router(streaming_router)
    app.include_router(federation_router)
    app.include_router(FEDERATION_TABLE.documented(in_schema=False))  # served by the edge
    app.include_router(threads_router)
    app.include_router(collections_router)
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # The edge (http/edge.py) comes first: hygiene, then the streaming endpoints and the
    # fast-route tables (the API's hottest routes, federation's inboxes), which skip FastAPI's
    # middleware, routing and dependencies.
    app.state.limiter = limiter_for(settings)
    app.middleware_stack = Edge(app.build_middleware_stack(), [API_TABLE, FEDERATION_TABLE],
                                STREAMING_PREFIX, streaming_endpoint, app.state.limiter)
    return app


def end_streams(app: FastAPI) -> None:
    """The server has begun to stop: its event streams end now (clients reconnect), so that
    it waits only for the requests in flight, then stops the worker (the lifespan)."""
    heartbeats_of(app.state).end_all()
