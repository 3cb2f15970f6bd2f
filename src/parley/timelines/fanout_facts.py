"""What a post's fan-out needs to know, read in one statement: the post's own columns, a
repost's original author, and which of the fan-out's steps have anyone to reach (a broadcast
author, tags, lists holding the author, followers asking for notifications).
Steps with nobody to reach are skipped, so a small account's post costs a few statements."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from parley.config import Settings
from parley.store.rawsql import Sql
from parley.store.rawwrite import writer_of
from parley.timelines import broadcast

# A fan-out to at most this many followers runs its statements in the event loop: a few
# hundred rows take less than the thread hand-offs off_loop() would cost (each statement's,
# and the commit's), which were most of a small fan-out's CPU (a received reply's, say).
IN_LOOP_FOLLOWERS = 200


@dataclass(frozen=True, slots=True)
class FanPost:
    """The columns of a post that the home, list and notification rules read."""

    id: int
    account_id: int
    domain: str | None
    visibility: str
    in_reply_to_account_id: int | None
    repost_of_id: int | None


@dataclass(frozen=True, slots=True)
class Fanout:
    """One post and what its rules need, read once per job."""

    post: FanPost
    # A repost's original author and domain: receivers hidden from them are skipped too.
    original_author: int | None = None
    original_domain: str | None = None
    broadcast: bool = False
    has_tags: bool = True
    listed: bool = True  # the author is in somebody's list
    notified: bool = True  # some follower asked to hear of every post
    # The author's accepted followers, counted up to one more than a batch (or than
    # IN_LOOP_FOLLOWERS): how large the fan-out is, known without a scan of them all.
    followers: int = 0

    @property
    def small(self) -> bool:
        """Few enough followers for the fan-out's statements to run in the event loop."""
        return self.followers <= IN_LOOP_FOLLOWERS


_FACTS = Sql("""
    SELECT p.id, p.account_id, p.domain, p.visibility, p.in_reply_to_account_id,
           p.repost_of_id, o.account_id, oa.domain,
           EXISTS (SELECT 1 FROM broadcast_accounts b WHERE b.account_id = p.account_id),
           EXISTS (SELECT 1 FROM post_tags t WHERE t.post_id = p.id),
           EXISTS (SELECT 1 FROM list_members m WHERE m.account_id = p.account_id),
           EXISTS (SELECT 1 FROM follows f WHERE f.target_account_id = p.account_id
                   AND f.state = 'accepted' AND f.notify IS_TRUE),
           (SELECT count(*) FROM (
               SELECT 1 FROM follows c WHERE c.target_account_id = p.account_id
               AND c.state = 'accepted' LIMIT :most) AS counted)
    FROM posts p
    LEFT JOIN posts o ON o.id = p.repost_of_id
    LEFT JOIN accounts oa ON oa.id = o.account_id
    WHERE p.id = :post""")


async def load_fanout(session: AsyncSession, settings: Settings, post_id: int
                      ) -> Fanout | None:
    """The post's fan-out facts, or None when the post is gone."""
    most = max(IN_LOOP_FOLLOWERS, settings.fanout_batch_size) + 1
    rows = await (await writer_of(session)).fetch(_FACTS, {"post": post_id, "most": most})
    if not rows:
        return None
    row = rows[0]
    post = FanPost(id=row[0], account_id=row[1], domain=row[2], visibility=row[3],
                   in_reply_to_account_id=row[4], repost_of_id=row[5])
    return Fanout(post, original_author=row[6], original_domain=row[7],
                  broadcast=broadcast.enabled(settings) and bool(row[8]),
                  has_tags=bool(row[9]), listed=bool(row[10]), notified=bool(row[11]),
                  followers=int(row[12]))
