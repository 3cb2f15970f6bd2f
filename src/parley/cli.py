"""The `parley` command: run, serve, worker, migrate, account, announce, demo, bench."""

from __future__ import annotations

import asyncio
import logging
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn

from parley.config import Settings
from parley.report_cli import report_app

app = typer.Typer(help="Parley: a conversation-first microblogging server.",
                  no_args_is_help=True, add_completion=False)
account_app = typer.Typer(help="Manage local accounts.", no_args_is_help=True)
app.add_typer(account_app, name="account")
app.add_typer(report_app, name="report")

# Streaming connections are many and mostly idle (issue 4). permessage-deflate would keep a
# zlib compressor and decompressor per WebSocket (~46 KB, more than everything else), and
# clients only ever send small subscribe commands, so incoming messages are capped at 64 KB.
# uvicorn's sans-I/O implementation pings (every 20 s) from a timer handle, not a task; ours
# also forgets the handshake's headers once answered.
UVICORN_WEBSOCKETS: dict[str, Any] = {
    "ws": "parley.streaming.websocket_protocol:LeanWebSocketProtocol",
    "ws_per_message_deflate": False, "ws_max_size": 64 * 1024,
}

# Requests still running this long after SIGTERM are cancelled (uploads of large files may
# take many seconds; a stopping process must still stop).
SHUTDOWN_TIMEOUT_S = 30

Host = Annotated[str, typer.Option(help="Interface to listen on.")]
Port = Annotated[int, typer.Option(help="Port to listen on.")]


def _logging() -> None:
    from parley.http import logs

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logs.install()


def _serve(host: str, port: int, *, run_worker: bool, demo: bool) -> None:
    from parley.app import create_app
    from parley.store.dialect import dialect_of_url
    from parley.store.migrate import migrate

    settings = Settings()
    _logging()
    migrate(settings.resolved_database_url)
    if demo:
        _load_demo(settings)
    application = create_app(settings, run_worker=run_worker, auto_migrate=False)
    typer.echo(f"Parley is running at {settings.base_url}  (database: "
               f"{dialect_of_url(settings.resolved_database_url).label})")
    # uvicorn reads the client address from X-Forwarded-For only when the peer is a trusted
    # proxy, taking the nearest address that is not one.
    config = uvicorn.Config(application, host=host, port=port, log_level="info",
                            proxy_headers=True, forwarded_allow_ips=settings.trusted_proxies,
                            timeout_graceful_shutdown=SHUTDOWN_TIMEOUT_S, **UVICORN_WEBSOCKETS)
    _Server(config, application).run()


class _Server(uvicorn.Server):
    """uvicorn's server (SIGTERM: stop listening, let requests in flight finish, then the
    lifespan stops the worker), which also ends the event streams as it begins to stop:
    an open stream would otherwise hold it up until the timeout."""

    def __init__(self, config: uvicorn.Config, application: Any) -> None:
        super().__init__(config)
        self.application = application

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        from parley.app import end_streams

        end_streams(self.application)
        await super().shutdown(sockets)


@app.command()
def run(host: Host = "127.0.0.1", port: Port = 3000,
        demo: Annotated[bool, typer.Option(help="Load the demo conversation if missing.")]
        = False) -> None:
    """Migrate, then serve the web app with the job worker in the same process."""
    _serve(host, port, run_worker=True, demo=demo)


@app.command()
def serve(host: Host = "127.0.0.1", port: Port = 3000) -> None:
    """Serve the web app only (run `parley worker` separately)."""
    _serve(host, port, run_worker=False, demo=False)


@app.command()
def worker() -> None:
    """Run background jobs only."""
    from parley import domains
    from parley.api.publisher import Publisher
    from parley.store.database import Database
    from parley.streaming.broker import create_broker

    settings = Settings()
    _logging()

    async def main() -> None:
        db = Database(settings.resolved_database_url)
        # Jobs publish live events (home deliveries, notifications); from this process they
        # reach the web processes' clients only through Redis (PARLEY_REDIS_URL). Without it
        # nobody could hear them here: nothing is rendered for them.
        broker = create_broker(settings.redis_url, settings.redis_prefix)
        await broker.start()
        publisher = Publisher(db, broker, settings)
        job_worker = domains.new_worker(db, settings)
        db.after_commit.append(job_worker.after_commit)
        if settings.redis_url:
            db.after_commit.append(publisher.after_commit)
            publisher.start()
        job_worker.start()
        try:
            await _until_terminated()
        finally:
            # Running jobs finish (for a while) or roll back; detached ones are put back.
            await job_worker.stop()
            await publisher.stop()
            await broker.close()
            await db.dispose()

    asyncio.run(main())


async def _until_terminated() -> None:
    """Wait for SIGTERM or SIGINT (as uvicorn does for the web processes), so that the
    worker stops in order rather than dying mid-job."""
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


@app.command("migrate")
def migrate_command() -> None:
    """Bring the database schema up to date."""
    from parley.store.migrate import migrate

    settings = Settings()
    migrate(settings.resolved_database_url)
    typer.echo("Database is up to date.")


@app.command("backup")
def backup_command(destination: Annotated[Path, typer.Argument(
        help="A new folder for the backup.")]) -> None:
    """Back up the database and the media files, while the server runs."""
    from parley.backup import BackupError, backup

    try:
        made = backup(Settings(), destination)
    except BackupError as exc:
        typer.echo(f"Cannot back up: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"Backed up into {made}")
    if Settings().media_storage == "s3":
        typer.echo("Media files live in the S3 bucket: back the bucket up on its own.")


@app.command("restore")
def restore_command(
        source: Annotated[Path, typer.Argument(help="A folder made by `parley backup`.")],
        force: Annotated[bool, typer.Option(help="Replace an existing database.")] = False,
) -> None:
    """Put a backup back (stop the server first)."""
    from parley.backup import BackupError, restore

    try:
        restore(Settings(), source, force=force)
    except BackupError as exc:
        typer.echo(f"Cannot restore: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"Restored from {source}")


@account_app.command("create")
def account_create(
    username: str,
    email: Annotated[str, typer.Option(help="E-mail address.")],
    password: Annotated[str, typer.Option(help="Password (8 characters or more).")],
    admin: Annotated[bool, typer.Option(help="Make this account an administrator.")] = False,
    role: Annotated[str, typer.Option(help="owner, admin, moderator or user.")] = "user",
) -> None:
    """Create a local account (--admin is --role admin)."""
    from parley import domains
    from parley.accounts.service import create_local_account
    from parley.errors import ParleyError
    from parley.store.database import Database
    from parley.store.migrate import migrate

    settings = Settings()
    migrate(settings.resolved_database_url)

    async def main() -> None:
        domains.install()  # admins hear of the sign-up
        db = Database(settings.resolved_database_url)
        try:
            async with db.write() as session:
                await create_local_account(session, settings, username=username, email=email,
                                           password=password,
                                           role="admin" if admin else role)
        finally:
            await db.dispose()

    try:
        asyncio.run(main())
    except ParleyError as exc:
        typer.echo(f"Error: {exc.message}", err=True)
        raise typer.Exit(1)
    typer.echo(f"Created @{username}.")


@app.command()
def announce(
    text: str,
    starts_at: Annotated[datetime | None, typer.Option(help="Shown from (UTC).")] = None,
    ends_at: Annotated[datetime | None, typer.Option(help="Shown until (UTC).")] = None,
    all_day: Annotated[bool, typer.Option(help="The times are whole days.")] = False,
) -> None:
    """Publish an announcement to every user (the admin pages edit them too)."""
    from parley.announcements.service import AnnouncementDraft, create_announcement
    from parley.errors import ParleyError
    from parley.store.database import Database
    from parley.store.migrate import migrate

    settings = Settings()
    migrate(settings.resolved_database_url)
    draft = AnnouncementDraft(text=text, all_day=all_day, starts_at=_utc(starts_at),
                              ends_at=_utc(ends_at))

    async def main() -> int:
        db = Database(settings.resolved_database_url)
        try:
            async with db.write() as session:
                return (await create_announcement(session, draft)).id
        finally:
            await db.dispose()

    try:
        announcement_id = asyncio.run(main())
    except ParleyError as exc:
        typer.echo(f"Error: {exc.message}", err=True)
        raise typer.Exit(1)
    typer.echo(f"Announcement {announcement_id} published.")


def _utc(value: datetime | None) -> datetime | None:
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


def _load_demo(settings: Settings) -> None:
    from parley.demo import load_demo

    summary = asyncio.run(load_demo(settings))
    typer.echo(summary)


@app.command()
def demo() -> None:
    """Load the demo conversation (idempotent)."""
    from parley.store.migrate import migrate

    settings = Settings()
    migrate(settings.resolved_database_url)
    _load_demo(settings)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
             add_help_option=False)
def bench(ctx: typer.Context) -> None:
    """Benchmarks (source checkout only): `parley bench --help`, docs/benchmarks.md."""
    import importlib
    import sys
    from pathlib import Path

    # bench/ sits beside src/ in a checkout and is not installed with the package.
    root = Path(__file__).resolve().parents[2]
    if not (root / "bench" / "cli.py").exists():
        typer.echo("The benchmark harness (bench/) is only in a source checkout.", err=True)
        raise typer.Exit(1)
    sys.path.insert(0, str(root))
    bench_app = importlib.import_module("bench.cli").app
    bench_app(args=ctx.args, prog_name="parley bench")


def main() -> None:
    app()
