"""`parley report list|resolve`: moderators read and resolve reports from the shell."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from parley.config import Settings

report_app = typer.Typer(help="Read and resolve reports about accounts and posts.",
                         no_args_is_help=True)


def _snippet(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


@report_app.command("list")
def report_list(
    resolved: Annotated[bool, typer.Option("--resolved", help="Show resolved reports instead.")]
    = False,
    all_reports: Annotated[bool, typer.Option("--all", help="Show open and resolved reports.")]
    = False,
    limit: Annotated[int, typer.Option(help="How many reports, newest first.")] = 100,
) -> None:
    """List reports, newest first (open ones unless --resolved or --all)."""
    from parley.moderation.service import ReportRow, list_reports
    from parley.store.database import Database
    from parley.store.migrate import migrate

    settings = Settings()
    migrate(settings.resolved_database_url)

    async def main() -> list[ReportRow]:
        db = Database(settings.resolved_database_url)
        try:
            async with db.read() as session:
                return await list_reports(session, resolved=None if all_reports else resolved,
                                          limit=max(1, limit))
        finally:
            await db.dispose()

    rows = asyncio.run(main())
    if not rows:
        typer.echo("No reports.")
        return
    for row in rows:
        report = row.report
        state = "resolved" if report.action_taken else "open"
        posts = f" posts={','.join(report.post_ids)}" if report.post_ids else ""
        typer.echo(f"{report.id}  {report.created_at:%Y-%m-%d %H:%M}  {state:8}  "
                   f"{report.category:9}  @{row.reporter.acct} -> @{row.target.acct}{posts}  "
                   f"{_snippet(report.comment)}")


@report_app.command("resolve")
def report_resolve(
    report_id: Annotated[str, typer.Argument(help="The report's id.")],
    note: Annotated[str, typer.Option(help="What was done about it.")] = "",
) -> None:
    """Mark a report resolved."""
    from parley.errors import ParleyError
    from parley.moderation.service import resolve_report
    from parley.store.database import Database
    from parley.store.migrate import migrate

    if not report_id.isdigit() or len(report_id) > 19:
        typer.echo(f"Error: no report {report_id}", err=True)
        raise typer.Exit(1)
    settings = Settings()
    migrate(settings.resolved_database_url)

    async def main() -> None:
        db = Database(settings.resolved_database_url)
        try:
            async with db.write() as session:
                await resolve_report(session, report_id=int(report_id), note=note)
        finally:
            await db.dispose()

    try:
        asyncio.run(main())
    except ParleyError:
        typer.echo(f"Error: no report {report_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"Resolved report {report_id}.")
