"""A process killed with SIGKILL in the middle of a large fan-out (5,000 followers in batches
of 250), then started again: every follower's home holds the post exactly once, and no job is
left behind. Once for a `parley worker`, once for a single `parley run` (web and worker in one
process), on SQLite and on PostgreSQL. The long version (100,000 followers) is the bench's
`killfanout` scenario."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.jobs.models import Job
from parley.jobs.queue import enqueue
from parley.lib.ids import new_id
from parley.lib.timefmt import utcnow
from parley.posts.models import Post
from parley.social.models import Follow
from parley.timelines.jobs import FANOUT_POST, FanoutPost
from parley.timelines.models import TimelineEntry
from support.database import ServerDatabase
from support.faults import start
from support.server import fresh_database

FOLLOWERS = 5_000
BATCH = 250
# Batches are small, so the fan-out takes many jobs: a kill lands between and inside them.
ENV = {"PARLEY_FANOUT_BATCH_SIZE": str(BATCH), "PARLEY_BROADCAST_THRESHOLD": "0",
       "PARLEY_WORKER_POLL_INTERVAL": "0.05"}


async def _celebrity(session: AsyncSession) -> int:
    """An author and FOLLOWERS local accounts following it, written in bulk."""
    author, now = new_id(), utcnow()
    accounts = [author, *(new_id() for _ in range(FOLLOWERS))]
    await session.execute(insert(Account), [
        {"id": account, "username": f"f{account}", "acct_key": f"f{account}",
         "uri": f"https://x.test/{account}", "url": f"https://x.test/{account}",
         "created_at": now} for account in accounts])
    await session.execute(insert(Follow), [
        {"id": new_id(), "account_id": follower, "target_account_id": author,
         "state": "accepted", "created_at": now} for follower in accounts[1:]])
    return author


async def _post(session: AsyncSession, author: int) -> int:
    """A post and its fan-out job, committed together as compose does."""
    post_id = new_id()
    session.add(Post(id=post_id, account_id=author, uri=f"https://x.test/p/{post_id}",
                     visibility="public", thread_id=post_id, text="to all of you"))
    await session.flush()
    await enqueue(session, FANOUT_POST, FanoutPost(post_id))
    return post_id


def _entries(db: ServerDatabase, post_id: int) -> tuple[int, int]:
    """(entries of the post, distinct homes holding it)."""
    async def count(session: AsyncSession) -> tuple[int, int]:
        row = (await session.execute(select(
            func.count(), func.count(func.distinct(TimelineEntry.owner_id))).where(
                TimelineEntry.post_id == post_id))).one()
        return int(row[0]), int(row[1])
    return db.read(count)


def _jobs_left(db: ServerDatabase) -> list[tuple[str, str]]:
    """The fan-out's jobs still in the table (queued, running or dead)."""
    async def jobs(session: AsyncSession) -> list[tuple[str, str]]:
        rows = (await session.execute(select(Job.kind, Job.state).where(
            Job.kind == FANOUT_POST.name))).all()
        return [(kind, state) for kind, state in rows]
    return db.read(jobs)


def _kill_mid_fanout(command: str, tmp_path: Path) -> None:
    with fresh_database(tmp_path) as database_url:
        # The web process migrates the database; the worker variant starts one to do so.
        first = start("run" if command == "run" else "serve", tmp_path, database_url,
                      name="first", extra_env=ENV)
        db = ServerDatabase(database_url)
        try:
            author = db.write(_celebrity)
            worker = start("worker", tmp_path, database_url, name="worker", extra_env=ENV) \
                if command == "worker" else first
            post_id = db.write(lambda session: _post(session, author))
            deadline = time.monotonic() + 60
            while _entries(db, post_id)[0] <= 1 + BATCH and time.monotonic() < deadline:
                time.sleep(0.005)  # the author's own home and one batch at least
            worker.kill()
            at_kill, _ = _entries(db, post_id)
            assert 1 + BATCH <= at_kill < 1 + FOLLOWERS, \
                f"not killed mid fan-out ({at_kill} entries):\n{worker.log()[-3000:]}"
            again = start("run" if command == "run" else "worker", tmp_path, database_url,
                          name="again", extra_env=ENV)
            try:
                deadline = time.monotonic() + 120
                while _jobs_left(db) and time.monotonic() < deadline:
                    time.sleep(0.1)
                assert _jobs_left(db) == [], again.log()[-3000:]
                assert _entries(db, post_id) == (1 + FOLLOWERS, 1 + FOLLOWERS)
            finally:
                again.stop()
        finally:
            first.stop()
            db.close()


@pytest.mark.parametrize("command", ["worker", "run"])
def test_a_kill_mid_fanout_loses_and_repeats_nothing(command: str, tmp_path: Path) -> None:
    _kill_mid_fanout(command, tmp_path)
