"""Reports sent to other servers (Mastodon's forwarded reports): a report about a remote
account whose reporter asked that it be forwarded becomes a Flag from the instance actor
(never the reporter: the other server learns only that someone here reported), naming the
account and the cited posts, with the comment, sent to the reported account's own inbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.events import Subscriber
from parley.events.moderation import ReportForwarded
from parley.federation.audience import inboxes_of
from parley.federation.delivery import deliver
from parley.federation.keys import instance_actor_uri
from parley.federation.notes_out import document
from parley.jobs.queue import enqueue
from parley.jobs.registry import JobContext, JobKind
from parley.moderation.models import Report
from parley.posts.models import Post


def flag(flag_id: str, actor_uri: str, objects: list[str], content: str) -> dict[str, Any]:
    """A Flag as Mastodon sends one: the reported account first, then its posts."""
    return document({"id": flag_id, "type": "Flag", "actor": actor_uri, "object": objects,
                     "content": content})


@dataclass(frozen=True)
class ForwardedReport:
    """A report to send to the reported account's server."""

    report_id: int


async def _forwarded(session: AsyncSession, event: ReportForwarded) -> None:
    # A job: the Flag's actor is the instance actor, whose id only the settings tell.
    await enqueue(session, FORWARD, ForwardedReport(event.report_id))


async def _forward(ctx: JobContext, job: ForwardedReport) -> None:
    session = ctx.session
    report = await session.get(Report, job.report_id)
    target = await session.get(Account, report.target_account_id) if report else None
    if not ctx.settings.federation or report is None or not report.forwarded \
            or target is None or target.is_local:
        return
    cited = [int(post_id) for post_id in report.post_ids]
    uris = list(await session.scalars(select(Post.uri).where(
        Post.id.in_(cited), Post.account_id == target.id).order_by(Post.id))) if cited else []
    actor = instance_actor_uri(ctx.settings)
    await deliver(session, flag(f"{actor}#reports/{report.id}", actor, [target.uri, *uris],
                                report.comment),
                  await inboxes_of(session, [target.id]), signer_id=None)


FORWARD = JobKind("federation.forward_report", ForwardedReport, _forward)
JOBS = (FORWARD,)
SUBSCRIBERS = (Subscriber(ReportForwarded, _forwarded),)
