"""What a local profile change sends: the Update of the account's actor document, to the
servers where its followers are (Mastodon's profile update). One job per account and
transaction (a save that changes the profile and both images sends one Update), rendered
when it runs, after the change committed; nothing while the server knows no remote actor."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.events import Subscriber
from parley.events.social import ProfileUpdated
from parley.federation import actors_out
from parley.federation.audience import account_reach
from parley.federation.delivery import deliver
from parley.federation.keys import key_id_of, local_key
from parley.federation.outbox import any_remote
from parley.jobs.queue import enqueue
from parley.jobs.registry import JobContext, JobKind
from parley.lib.ids import new_id

# The accounts whose Update a transaction has queued already (kept in its session's info).
_QUEUED = "parley.federation.profile_updates"


@dataclass(frozen=True)
class ProfileJob:
    account_id: int


async def _profile_updated(session: AsyncSession, event: ProfileUpdated) -> None:
    queued: set[int] = session.info.setdefault(_QUEUED, set())
    if event.account_id in queued or not await any_remote(session):
        return
    queued.add(event.account_id)
    await enqueue(session, SEND_PROFILE, ProfileJob(event.account_id))


async def _send_profile(ctx: JobContext, job: ProfileJob) -> None:
    """Render the actor document as it is now and queue its Update for the followers'
    servers (a suspended or deleted account has nothing to announce)."""
    session = ctx.session
    account = await session.get(Account, job.account_id)
    if account is None or not account.is_local or account.suspended_at is not None:
        return
    inboxes = await account_reach(session, account.id)
    if not inboxes:
        return
    key = await local_key(session, ctx.settings, key_id=key_id_of(account.uri),
                          account_id=account.id)
    actor = actors_out.person(account, key.public_key_pem, ctx.settings)
    await deliver(session, actors_out.update_of(actor, str(new_id())), inboxes,
                  signer_id=account.id)


SEND_PROFILE = JobKind("federation.send_profile", ProfileJob, _send_profile)
JOBS = (SEND_PROFILE,)
SUBSCRIBERS = (Subscriber(ProfileUpdated, _profile_updated),)
